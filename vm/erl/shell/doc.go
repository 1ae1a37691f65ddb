// Package shell is avmsh's Erlang shell evaluator for targets without
// one of their own: it evaluates commands with package eval the way OTP
// 25's shell.erl does (one check and evaluation per top-level
// expression, bindings kept only when the whole command succeeds,
// numbered commands, e(N)/v(N) expanded anywhere in a command) and
// renders the output with package shellfmt. It implements the shell's
// own commands (b(), f(), f(X), v(N), e(N), h(), flush(), history(N),
// results(N), avmsh_node()); other local calls go to shell_default on
// the target. A Go panic met while evaluating a command is recovered
// (InternalError): no expression can end the shell. The REPL around it
// (prompt, quit rule, meta-commands) is node/shellsession's.
package shell
