// Package erltext holds the lexical facts of Erlang source text that
// both the term-literal parser (vm/syntax) and the shell's scanner
// (vm/erl/scan) need, so that each exists once: the reserved words,
// digit values, erl_scan's escape sequences and validity of characters,
// and a bit writer for building bitstrings MSB first (also used by the
// evaluator's binary construction, vm/erl/eval).
package erltext
