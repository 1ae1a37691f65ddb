// Package termjson owns the JSON form of Erlang terms used by
// `--output json`: a lossless, reversible mapping (Unmarshal(Marshal(t))
// =:= t for every term) that keeps common data plain for scripts.
//
// Plain JSON: atoms are strings (true, false and null are the JSON
// literals), integers up to 2^53 in magnitude are numbers, floats are
// numbers that always carry a '.' or an exponent, proper lists are
// arrays, and maps whose keys are all atoms (none starting with '$') are
// objects. Everything else is a one-key object whose key starts with
// '$': {"$bin": "text"}, {"$bin64": "..."}, {"$bits": [Bits, "..."]},
// {"$str": "text"}, {"$tuple": [...]}, {"$improper": [[...], Tail]},
// {"$int": "digits"}, {"$map": [[K, V], ...]}, {"$binmap": {...}},
// {"$pid": {...}}, {"$port": {...}}, {"$ref": {...}}, {"$fun": {...}},
// {"$localfun": {...}}, {"$localext": "..."} and {"$atom": "name"}.
// docs/json-mapping.md is the reference.
package termjson
