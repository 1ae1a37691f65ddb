// Package parse owns the syntax of Erlang expressions as the erl shell
// accepts them: an abstract syntax tree (the Expr node types) and a
// recursive-descent parser with the precedence and associativity of
// OTP 25's erl_parse grammar (parse_exprs/1). Patterns share the
// expression syntax; package eval's checker decides what is a legal
// pattern or guard, as erl_lint does.
//
// Errors are *scan.Error values printed like erl_parse's
// "1:5: syntax error before: ')'". Nesting is bounded by MaxDepth and the
// parser never panics to its caller.
package parse
