package etf

import (
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// Describe renders t in Erlang-like syntax for error messages, cut to
// about max bytes (0 means 80) with "..." where it was cut. It is not a
// faithful printer (see package syntax for ~w and ~p): pids, ports and
// references show their node, e.g. #Pid<'a@h'.1.0>.
func Describe(t term.Term, max int) string {
	if max <= 0 {
		max = 80
	}
	w := describer{max: max}
	w.term(t, 0)
	if w.cut {
		return w.sb.String() + "..."
	}
	return w.sb.String()
}

type describer struct {
	sb  strings.Builder
	max int
	cut bool
}

func (w *describer) full() bool {
	if w.sb.Len() >= w.max {
		w.cut = true
	}
	return w.cut
}

func (w *describer) s(s string) {
	if w.full() {
		return
	}
	if room := w.max - w.sb.Len(); len(s) > room {
		s, w.cut = s[:room], true
	}
	w.sb.WriteString(s)
}

func (w *describer) term(t term.Term, depth int) {
	if w.full() {
		return
	}
	if depth > 16 {
		w.s("...")
		return
	}
	switch v := t.(type) {
	case term.Atom:
		w.s(quoteAtom(string(v)))
	case term.Int:
		w.s(strconv.FormatInt(int64(v), 10))
	case term.BigInt:
		if v.V == nil {
			w.s("<nil bigint>")
			return
		}
		w.s(v.V.String())
	case term.Float:
		s := strconv.FormatFloat(float64(v), 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		w.s(s)
	case term.Binary:
		w.bytes(v, 0, 0)
	case term.Bitstring:
		if len(v.Data) == 0 {
			w.s("<<>>")
			return
		}
		w.bytes(v.Data[:len(v.Data)-1], v.Data[len(v.Data)-1]>>(8-v.Bits%8), v.Bits)
	case term.List:
		w.list(v, nil, depth)
	case term.ImproperList:
		w.list(v.Elems, v.Tail, depth)
	case term.Chars:
		w.s("[")
		for i, r := range string(v) {
			if w.full() {
				return
			}
			if i > 0 {
				w.s(",")
			}
			w.s(strconv.Itoa(int(r)))
		}
		w.s("]")
	case term.Tuple:
		w.s("{")
		w.seq(v, depth)
		w.s("}")
	case term.Map:
		w.s("#{")
		for i, kv := range v.Pairs() {
			if i > 0 {
				w.s(",")
			}
			w.term(kv.Key, depth+1)
			w.s(" => ")
			w.term(kv.Value, depth+1)
			if w.full() {
				return
			}
		}
		w.s("}")
	case term.Pid:
		w.s("#Pid<" + quoteAtom(string(v.Node)) + "." + u(uint64(v.ID)) + "." + u(uint64(v.Serial)) + ">")
	case term.Port:
		w.s("#Port<" + quoteAtom(string(v.Node)) + "." + u(v.ID) + ">")
	case term.Ref:
		w.s("#Ref<" + quoteAtom(string(v.Node)))
		for _, x := range v.IDs() {
			w.s("." + u(uint64(x)))
		}
		w.s(">")
	case *term.Fun:
		if v == nil {
			w.s("#Fun<nil>")
			return
		}
		w.s("#Fun<" + quoteAtom(string(v.Module)) + "." + u(uint64(v.Index)) + "." + strconv.Itoa(int(v.OldUniq)) + ">")
	case term.ExportFun:
		w.s("fun " + quoteAtom(string(v.Module)) + ":" + quoteAtom(string(v.Function)) + "/" + u(uint64(v.Arity)))
	case term.LocalExt:
		w.s("#LocalExt<" + strconv.Itoa(len(v.Bytes)) + " bytes>")
	case nil:
		w.s("[]")
	default:
		w.s("?")
	}
}

func u(x uint64) string { return strconv.FormatUint(x, 10) }

func (w *describer) seq(v []term.Term, depth int) {
	for i, x := range v {
		if i > 0 {
			w.s(",")
		}
		w.term(x, depth+1)
		if w.full() {
			return
		}
	}
}

func (w *describer) list(elems []term.Term, tail term.Term, depth int) {
	w.s("[")
	w.seq(elems, depth)
	if !isNil(tail) {
		w.s("|")
		w.term(tail, depth+1)
	}
	w.s("]")
}

func (w *describer) bytes(p []byte, last byte, bits uint8) {
	w.s("<<")
	for i, c := range p {
		if i > 0 {
			w.s(",")
		}
		w.s(strconv.Itoa(int(c)))
		if w.full() {
			return
		}
	}
	if bits != 0 {
		if len(p) > 0 {
			w.s(",")
		}
		w.s(strconv.Itoa(int(last)) + ":" + strconv.Itoa(int(bits)))
	}
	w.s(">>")
}

// quoteAtom quotes an atom unless it is a plain lower-case name.
func quoteAtom(s string) string {
	plain := s != "" && s[0] >= 'a' && s[0] <= 'z'
	for i := 0; plain && i < len(s); i++ {
		c := s[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '@'
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString("\\x{" + strconv.FormatInt(int64(r), 16) + "}")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
