// Package term owns the Go model of Erlang terms: atoms, integers (Int and
// BigInt, normalised so that equal integers have one representation),
// floats, binaries and bitstrings, proper and improper lists, tuples, maps
// with arbitrary keys, pids, ports, references and funs.
//
// It also owns Erlang's term order (Compare, CompareExact) and both
// equalities (Equal for `==`, ExactEqual for `=:=`), so that sorting, map
// keys and the shell evaluator behave as they do on BEAM.
//
// Encoding to bytes lives in package etf; text syntax lives in package
// syntax.
package term
