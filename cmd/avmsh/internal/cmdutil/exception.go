package cmdutil

import (
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// FormatException prints an Erlang exception the way the erl shell does
// ("** exception error: ..."), ending with a newline.
var FormatException = func(class term.Atom, reason, stack term.Term) string {
	return "** exception " + string(class) + ": " + syntax.Pretty(reason, syntax.Options{Encoding: syntax.Unicode, Column: 15 + len(class)}) + "\n"
}
