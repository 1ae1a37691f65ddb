// Package syntax owns the text form of Erlang terms.
//
// Printing: Write is io_lib:format("~w") and Pretty is
// io_lib:format("~p") of OTP 25, byte for byte (see docs/term-syntax.md
// for the few documented differences: maps of more than 32 keys print in
// map-key order, not in OTP's hash order). Options select the encoding
// (~tw, ~tp), the depth (~W, ~P), the line length and column, strings off
// (~lp) and the node context used for pids, ports and references.
//
// Identifiers of the local node print as OTP prints them (<0.X.Y>);
// identifiers of other nodes print in a stable, re-parseable notation that
// names the node, such as <'n@host'.91.0>, unless the caller supplies
// OTP's node index table.
//
// Parsing: Parse reads one term literal (the subset of Erlang expression
// syntax that denotes a constant: atoms, numbers, chars, strings,
// binaries with simple segments, lists, tuples, maps, pids, ports, refs
// and `fun M:F/A`). It never panics, bounds nesting and reports errors
// with line and column. Parse(Write(t)) =:= t for every term except
// local funs.
package syntax
