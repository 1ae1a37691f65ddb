package scan

import "strings"

// SplitCommand finds the end of the first complete command in src: the
// first dot token (a '.' followed by white space, '%' or the end of the
// input) outside strings, quoted atoms, character literals and comments.
// It returns the command (including the dot), the rest of the input and
// true; or "", src, false when more input is needed (no dot yet, or a
// string or quoted atom is still open).
//
// A command with a scan error is complete at the end of the line that
// holds the error, so that the REPL can report it (the erl shell also
// discards the rest of that line).
func SplitCommand(src string) (cmd, rest string, ok bool) {
	rs := []rune(src)
	s := &scanner{src: rs, line: 1, col: 1}
	for {
		n := len(s.toks)
		done, err := s.next()
		if err != nil {
			if e, isErr := err.(*Error); isErr && strings.HasPrefix(e.Msg, "unterminated") {
				return "", src, false
			}
			end := s.i
			for end < len(rs) && rs[end] != '\n' {
				end++
			}
			if end < len(rs) {
				end++
			}
			return string(rs[:end]), string(rs[end:]), true
		}
		if done {
			return "", src, false
		}
		if len(s.toks) > n && s.toks[len(s.toks)-1].Kind == Dot {
			return string(rs[:s.i]), string(rs[s.i:]), true
		}
	}
}

// Complete reports whether src holds at least one complete command.
func Complete(src string) bool {
	_, _, ok := SplitCommand(src)
	return ok
}
