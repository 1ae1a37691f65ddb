package cmdutil

import (
	"github.com/avmsh/avmsh/vm/erl/shellfmt"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// FormatException prints an Erlang exception the way the erl shell does
// ("** exception error: ...", with the "in function" lines of the stack
// trace), ending with a newline.
func FormatException(class term.Atom, reason, stack term.Term) string {
	if stack == nil {
		stack = term.Nil
	}
	s := shellfmt.Exception(class, reason, stack, shellfmt.Options{Encoding: syntax.Unicode})
	if len(s) == 0 || s[len(s)-1] != '\n' {
		s += "\n"
	}
	return s
}
