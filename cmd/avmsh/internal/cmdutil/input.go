package cmdutil

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// MaxInput is the most avmsh reads from one file or from stdin (terms,
// expressions, binaries): 256 MiB. More is refused with a usage error,
// never cut short.
const MaxInput = 256 << 20

// Inputs reads what command-line arguments name instead of holding it:
// a file (@FILE) or stdin (-). Stdin can be read by one argument only.
type Inputs struct {
	// Stdin is the command's standard input.
	Stdin io.Reader
	// Binary makes @FILE and - term arguments the raw bytes, as an
	// Erlang binary, instead of a term written in Erlang syntax.
	Binary bool
	// Limit overrides MaxInput (tests).
	Limit int64

	stdinBy string // the argument that read stdin
}

// NewInputs returns the Inputs of f's stdin.
func NewInputs(f *Factory, binary bool) *Inputs { return &Inputs{Stdin: f.IO.In, Binary: binary} }

// IsSource reports whether arg names a file or stdin rather than holding
// a term: "-" or "@FILE". Neither is valid Erlang term syntax, so no
// term is mistaken for one.
func IsSource(arg string) bool { return arg == "-" || strings.HasPrefix(arg, "@") && len(arg) > 1 }

// Read returns the bytes of src: "-" reads stdin, anything else is a
// file path. what names the argument in messages ("argument 2",
// "--args-file"). Errors are usage errors.
func (in *Inputs) Read(what, src string) ([]byte, error) {
	limit := in.Limit
	if limit <= 0 {
		limit = MaxInput
	}
	var r io.Reader
	name := src
	if src == "-" {
		if in.stdinBy != "" {
			return nil, UsageError("%s: stdin is already read by %s; only one argument can read it", what, in.stdinBy)
		}
		in.stdinBy = what
		if in.Stdin == nil {
			return nil, UsageError("%s: no stdin to read", what)
		}
		r, name = in.Stdin, "stdin"
	} else {
		f, err := os.Open(src)
		if err != nil {
			return nil, UsageError("%s: %v", what, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, UsageError("%s: read %s: %v", what, name, err)
	}
	if int64(len(b)) > limit {
		return nil, UsageError("%s: %s holds more than %s, the most avmsh reads from a file or stdin", what, name, sizeText(limit))
	}
	return b, nil
}

// Text is Read for text: it must be valid UTF-8 (nothing is replaced
// silently).
func (in *Inputs) Text(what, src string) (string, error) {
	b, err := in.Read(what, src)
	if err != nil {
		return "", err
	}
	if err := CheckUTF8(what, b); err != nil {
		return "", err
	}
	return string(b), nil
}

// Term resolves term argument i (counted from 1, for messages) as
// written on the command line: a term in Erlang syntax, "@FILE" (the
// term written in FILE) or "-" (the term written on stdin); with Binary,
// the bytes of FILE or stdin as a binary. Pids <0.X.Y> are of nc.Local.
func (in *Inputs) Term(i int, arg string, nc syntax.NodeContext) (term.Term, error) {
	if !IsSource(arg) {
		return ParseTerm(fmt.Sprintf("argument %d (%s)", i, abbreviate(arg)), arg, nc)
	}
	src := strings.TrimPrefix(arg, "@")
	what := fmt.Sprintf("argument %d (%s)", i, arg)
	if in.Binary {
		b, err := in.Read(what, src)
		if err != nil {
			return nil, err
		}
		return term.Binary(b), nil
	}
	b, err := in.Read(what, src)
	if err != nil {
		return nil, err
	}
	return ParseTerm(what, string(b), nc)
}

// Terms resolves term arguments (see Term).
func (in *Inputs) Terms(args []string, nc syntax.NodeContext) ([]term.Term, error) {
	out := make([]term.Term, 0, len(args))
	for i, a := range args {
		t, err := in.Term(i+1, a, nc)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// ParseTerm parses text as one Erlang term; what names it in errors
// (usage errors: a syntax error, text that is not UTF-8). Pids <0.X.Y>
// are of nc.Local.
func ParseTerm(what, text string, nc syntax.NodeContext) (term.Term, error) {
	if err := CheckUTF8(what, []byte(text)); err != nil {
		return nil, fmt.Errorf("%w\nhint: to pass bytes that are not text, put them in a file and give @FILE with --binary (rpc, send)", err)
	}
	t, err := syntax.Parse(text, syntax.ParseOptions{Node: nc})
	if err != nil {
		return nil, UsageError("%s: %v\nhint: arguments are Erlang terms; quote them for the shell, e.g. '\"text\"' or '{a,1}'", what, err)
	}
	return t, nil
}

// CheckUTF8 refuses text that is not valid UTF-8, naming the first bad
// byte, rather than replacing it with U+FFFD.
func CheckUTF8(what string, b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	off := 0
	for off < len(b) {
		r, n := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return UsageError("%s is not valid UTF-8 (byte %#02x at offset %d): avmsh reads Erlang text as UTF-8", what, b[off], off)
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseList parses text as a proper Erlang list ("[1, {a, b}]"), the
// form of rpc's --args and --args-file.
func ParseList(what, text string, nc syntax.NodeContext) ([]term.Term, error) {
	t, err := ParseTerm(what, text, nc)
	if err != nil {
		return nil, err
	}
	list, ok := t.(term.List) // syntax.Parse builds strings as a term.List, never a term.Chars
	if !ok {
		return nil, UsageError("%s must be a proper list, like '[1, 2]'", what)
	}
	return list, nil
}

// AtomArg reads an atom given as a word on the command line (a module
// or function name): an atom literal ('Elixir.Foo', foo) or any other
// text taken as the atom's name. It must be valid UTF-8 and at most 255
// characters, as Erlang's atoms are; otherwise it is a usage error.
func AtomArg(what, s string) (term.Atom, error) {
	switch {
	case s == "":
		return "", UsageError("%s is empty", what)
	case !utf8.ValidString(s):
		return "", CheckUTF8(what, []byte(s))
	}
	if t, err := syntax.Parse(s, syntax.ParseOptions{}); err == nil {
		if a, ok := t.(term.Atom); ok {
			return a, nil
		}
	}
	if n := utf8.RuneCountInString(s); n > 255 {
		return "", UsageError("%s %s is %d characters long; an atom holds at most 255", what, abbreviate(s), n)
	}
	return term.Atom(s), nil // a bare word that is not an atom literal, e.g. Elixir.Foo
}
