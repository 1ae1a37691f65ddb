// Package term owns the Go model of Erlang terms: atoms, integers (Int and
// BigInt, normalised so that equal integers have one representation),
// floats, binaries and bitstrings, proper and improper lists, tuples, maps
// with arbitrary keys, pids, ports, references and funs.
//
// It also owns Erlang's term order (Compare, CompareExact) and both
// equalities (Equal for `==`, ExactEqual for `=:=`), so that sorting, map
// keys and the shell evaluator behave as they do on BEAM.
//
// # Reading lists: use the helpers, never t.(term.List)
//
// A proper list has two representations: List ([]Term, what Go code
// builds) and Chars (its code points as a UTF-8 string, what package etf
// decodes strings and byte lists into, e.g. every "text" a BEAM node
// sends).
// They are the same Erlang term: Compare, Equal, ExactEqual, map keys,
// printing (package syntax), encoding (package etf), JSON (package
// termjson) and the evaluator's pattern matching treat them alike. Any
// term that came from a peer, a file or another package may hold a
// Chars at any depth, so code that reads a list uses these helpers
// instead of asserting or switching on List:
//
//	l, ok := term.AsList(t)        // instead of l, ok := t.(term.List)
//	n, ok := term.ListLen(t)       // length, no expansion
//	term.IsNil(t)                  // t is []
//	term.IsProperList(t)           // List or Chars
//	h, tl, ok := term.Uncons(t)    // [H|T] of any non-empty list, O(1)
//	elems, tail, ok := term.ListParts(t)  // any list: elements and final tail
//	for i, e := range term.ListElems(t) { ... }  // no expansion
//	s, ok := term.CharList(t)      // a string as UTF-8
//
// In a type switch, list the compact case next to List and convert:
//
//	case term.List, term.Chars:
//		l, _ := term.AsList(v)
//
// AsList and ListParts return a List's own elements (do not modify them)
// and expand a Chars into a new List (one allocation); use ListLen,
// Uncons, ListElems or CharList on hot paths. Never index a Chars as a
// Go string: element i is its i-th rune, not byte i. Building lists is
// unchanged: make a List (or call String or Cons); package etf and
// Uncons produce Chars, and NewChars builds one on purpose.
//
// Encoding to bytes lives in package etf; text syntax lives in package
// syntax.
package term
