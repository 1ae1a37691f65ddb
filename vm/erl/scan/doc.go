// Package scan owns the lexical level of Erlang expressions as the erl
// shell reads them: a scanner that produces the tokens of OTP 25's
// erl_scan (atoms, variables, integers with bases and digit separators,
// floats, characters, strings, reserved words and every operator), the
// positions (line:column) used in error messages, and the "is this input
// complete?" test a multi-line REPL needs (SplitCommand, and
// Accumulator for input read line by line). It reads the source as
// UTF-8 text, with work and memory linear in its size.
//
// The scanner never panics and bounds its work by the input length;
// errors are *Error values whose text is erl_scan's format_error text.
package scan
