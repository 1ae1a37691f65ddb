package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
	"github.com/avmsh/avmsh/vm/termjson"
)

// Output formats for --output.
const (
	OutputErlang = "erlang"
	OutputJSON   = "json"
	OutputRaw    = "raw"
)

// OutputOptions is the --output flag.
type OutputOptions struct{ Format string }

// AddOutputFlag registers --output/-o.
func (o *OutputOptions) AddOutputFlag(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Format, "output", "o", OutputErlang, "result format: erlang (like ~p), json (lossless, see docs/json-mapping.md) or raw (binaries and strings as bytes)")
	EnumFlag(fs, "output", OutputErlang, OutputJSON, OutputRaw)
}

// Validate checks the flag value.
func (o *OutputOptions) Validate() error {
	switch o.Format {
	case OutputErlang, OutputJSON, OutputRaw:
		return nil
	}
	return UsageError("--output %q: want erlang, json or raw", o.Format)
}

// PrintTerm writes t in the chosen format followed by a newline (raw
// output adds none to binaries and strings).
func (o *OutputOptions) PrintTerm(w io.Writer, t term.Term, columns int, nc syntax.NodeContext) error {
	switch o.Format {
	case OutputJSON:
		b, err := termjson.Marshal(t)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case OutputRaw:
		if b, ok := t.(term.Binary); ok {
			_, err := w.Write(b)
			return err
		}
		if s, err := iolib.CharsToString(t, syntax.Unicode); err == nil {
			_, err = io.WriteString(w, s)
			return err
		}
		_, err := fmt.Fprintln(w, syntax.Write(t, syntax.Options{Encoding: syntax.Unicode, Node: nc}))
		return err
	}
	_, err := fmt.Fprintln(w, syntax.Pretty(t, syntax.Options{Encoding: syntax.Unicode, Column: 1, LineLength: columns, Node: nc}))
	return err
}

// abbreviate shortens s for a message (whole characters; bytes that are
// not UTF-8 shown as U+FFFD).
func abbreviate(s string) string {
	if len(s) > 40 {
		s = s[:40]
		for i := 0; i < 3 && !utf8.ValidString(s); i++ {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// WithCreation fills the creation of pids, ports and references of node
// that were written without one (the stable notation <'n@h'.X.Y>), so
// that the node accepts them as its own.
func WithCreation(t term.Term, node term.Atom, creation uint32) term.Term {
	switch v := t.(type) {
	case term.Pid:
		if v.Node == node && v.Creation == 0 {
			v.Creation = creation
		}
		return v
	case term.Ref:
		if v.Node == node && v.Creation == 0 {
			v.Creation = creation
		}
		return v
	case term.Port:
		if v.Node == node && v.Creation == 0 {
			v.Creation = creation
		}
		return v
	case term.Tuple:
		out := make(term.Tuple, len(v))
		for i, e := range v {
			out[i] = WithCreation(e, node, creation)
		}
		return out
	case term.List: // a term.Chars (default: as it is) holds no pids
		if len(v) == 0 {
			return v
		}
		out := make(term.List, len(v))
		for i, e := range v {
			out[i] = WithCreation(e, node, creation)
		}
		return out
	case term.ImproperList:
		elems := make([]term.Term, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = WithCreation(e, node, creation)
		}
		return term.ImproperList{Elems: elems, Tail: WithCreation(v.Tail, node, creation)}
	case term.Map:
		kv := make([]term.KV, 0, v.Len())
		for k, val := range v.All() {
			kv = append(kv, term.KV{Key: WithCreation(k, node, creation), Value: WithCreation(val, node, creation)})
		}
		return term.NewMap(kv...)
	}
	return t
}

// Indent prefixes every line after the first (for multi-line messages).
func Indent(s, prefix string) string { return strings.ReplaceAll(s, "\n", "\n"+prefix) }

// PrintException writes, in JSON output only, an exception the command
// got instead of a result, so that stdout holds one JSON value either
// way (see docs/json-mapping.md):
//
//	{"$exception": {"class": "error", "reason": R, "stack": S}}
//
// R and S are terms in the JSON mapping. No term maps to an object with
// the key "$exception", so the two cannot be confused. In the other
// formats it writes nothing (the exception goes to stderr).
func (o *OutputOptions) PrintException(w io.Writer, class term.Atom, reason, stack term.Term) error {
	if o.Format != OutputJSON {
		return nil
	}
	if stack == nil {
		stack = term.Nil
	}
	var b strings.Builder
	b.WriteString(`{"$exception":{"class":`)
	cls, _ := termjson.Marshal(class)
	b.Write(cls)
	for _, f := range []struct {
		key string
		t   term.Term
	}{{"reason", reason}, {"stack", stack}} {
		j, err := termjson.Marshal(f.t)
		if err != nil { // a shell closure: no JSON form; keep its text
			j, _ = json.Marshal(syntax.Write(f.t, syntax.Options{Encoding: syntax.Unicode}))
			f.key += "_text"
		}
		fmt.Fprintf(&b, `,"%s":%s`, f.key, j)
	}
	b.WriteString("}}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
