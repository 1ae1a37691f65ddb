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
	s := &scanner{src: src, line: 1, col: 1, split: true}
	for {
		done, err := s.next()
		if err != nil {
			if e, isErr := err.(*Error); isErr && strings.HasPrefix(e.Msg, "unterminated") {
				return "", src, false
			}
			end := len(src)
			if i := strings.IndexByte(src[s.i:], '\n'); i >= 0 {
				end = s.i + i + 1
			}
			return src[:end], src[end:], true
		}
		if done {
			return "", src, false
		}
		if s.last == Dot {
			return src[:s.i], src[s.i:], true
		}
	}
}

// Complete reports whether src holds at least one complete command.
func Complete(src string) bool {
	_, _, ok := SplitCommand(src)
	return ok
}

// Accumulator gathers input (line by line) until it holds a complete
// command, as SplitCommand decides, without scanning the text again for
// each line: scanning resumes at the start of the last token not yet
// complete. Its work is linear in the input, except that a string or
// quoted atom spanning lines is scanned again from its start at each
// line. The zero value is empty.
type Accumulator struct {
	first     string          // the input, while it is one Add (no copy)
	b         strings.Builder // the input, once there were several
	off       int             // where scanning resumes (a token boundary)
	line, col int
}

// Add appends text and reports whether the input now holds a complete
// command (a dot token, or a scan error other than an unterminated
// string, quoted atom or escape).
func (a *Accumulator) Add(text string) bool {
	switch {
	case a.first == "" && a.b.Len() == 0:
		a.first = text
	case a.first != "":
		a.b.WriteString(a.first)
		a.first = ""
		fallthrough
	default:
		a.b.WriteString(text)
	}
	if a.line == 0 {
		a.line, a.col = 1, 1
	}
	s := &scanner{src: a.String(), i: a.off, line: a.line, col: a.col, split: true}
	for {
		start, line, col := s.i, s.line, s.col
		done, err := s.next()
		switch {
		case err != nil:
			if e, isErr := err.(*Error); isErr && strings.HasPrefix(e.Msg, "unterminated") {
				a.off, a.line, a.col = start, line, col
				return false
			}
			return true
		case done:
			a.off, a.line, a.col = s.i, s.line, s.col
			return false
		case s.last == Dot:
			return true
		}
	}
}

// String is the input gathered.
func (a *Accumulator) String() string {
	if a.first != "" {
		return a.first
	}
	return a.b.String()
}

// Len is the length of the input gathered, in bytes.
func (a *Accumulator) Len() int { return len(a.first) + a.b.Len() }

// Reset empties the accumulator.
func (a *Accumulator) Reset() { *a = Accumulator{} }
