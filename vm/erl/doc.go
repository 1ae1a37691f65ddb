// Package erl owns Erlang expressions as the avmsh shell evaluates them
// for targets that have no evaluator of their own (AtomVM): package scan
// (tokens, "is the input complete?"), parse (syntax tree, erl_parse's
// grammar), eval (erl_eval's semantics and erl_lint's checks, with a Host
// for module calls and the mailbox), shellfmt (results and exceptions
// printed like the erl shell) and shell (the session: bindings, history,
// shell commands). This package holds the conformance tests that run the
// whole engine against a real erl shell; docs/shell-evaluator.md
// describes the design and the known differences.
package erl
