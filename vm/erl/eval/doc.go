// Package eval owns the evaluation of Erlang expressions for the avmsh
// shell: erl_eval's semantics (pattern matching, guards, closures and
// named funs, comprehensions, maps, bit syntax, try/catch/receive) and
// erl_lint's checks (unbound and unsafe variables, illegal patterns and
// guards), in Go.
//
// A Host connects the evaluator to the node: module calls go to the
// target with Host.Call, messages go through the shell process's
// mailbox. Pure BIFs (arithmetic, comparisons, type tests, element/2,
// the conversions, ...) run locally, and so do the common higher-order
// functions of lists and maps when they are given a shell fun, which the
// target could not run. Exceptions are *Exception values carrying
// OTP's class, reason and stack trace terms.
package eval
