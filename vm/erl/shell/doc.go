// Package shell owns the avmsh shell session for targets without an
// Erlang evaluator: it reads commands, evaluates them with package eval
// the way OTP 25's shell.erl does (one check and evaluation per
// top-level expression, bindings kept only when the whole command
// succeeds, numbered commands) and renders the output with package
// shellfmt. It implements the shell's own commands (b(), f(), f(X),
// v(N), e(N), h(), flush()); other local calls go to shell_default on
// the target. The REPL owns the History.
package shell
