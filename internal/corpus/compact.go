package corpus

import (
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// Compact returns t with every proper list of code points, at any depth,
// in its compact form term.Chars: the form package etf decodes such lists
// into. It is the same Erlang term as t (term.ExactEqual holds), so tests
// can run every corpus term through the code paths of both forms.
func Compact(t term.Term) term.Term {
	switch v := t.(type) {
	case term.List:
		if len(v) == 0 {
			return v
		}
		out := make(term.List, len(v))
		var sb strings.Builder
		chars := true
		for i, e := range v {
			out[i] = Compact(e)
			if c, ok := e.(term.Int); chars && ok && c >= 0 && utf8.ValidRune(rune(c)) && int64(c) == int64(rune(c)) {
				sb.WriteRune(rune(c))
			} else {
				chars = false
			}
		}
		if chars {
			return term.Chars(sb.String())
		}
		return out
	}
	return rebuild(t, Compact)
}

// Expand returns t with every term.Chars, at any depth, replaced by its
// term.List: the plain form of a term Compact (or etf's decoder) made.
func Expand(t term.Term) term.Term {
	switch v := t.(type) {
	case term.Chars:
		return v.List()
	case term.List:
		out := make(term.List, len(v))
		for i, e := range v {
			out[i] = Expand(e)
		}
		return out
	}
	return rebuild(t, Expand)
}

// rebuild returns t with f applied to each element of its improper
// lists, tuples, maps and fun environments; any other term as it is.
func rebuild(t term.Term, f func(term.Term) term.Term) term.Term {
	switch v := t.(type) {
	case term.ImproperList:
		elems := make([]term.Term, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = f(e)
		}
		return term.ImproperList{Elems: elems, Tail: f(v.Tail)}
	case term.Tuple:
		out := make(term.Tuple, len(v))
		for i, e := range v {
			out[i] = f(e)
		}
		return out
	case term.Map:
		kv := make([]term.KV, 0, v.Len())
		for k, x := range v.All() {
			kv = append(kv, term.KV{Key: f(k), Value: f(x)})
		}
		return term.NewMap(kv...)
	case *term.Fun:
		if v == nil || len(v.Free) == 0 {
			return v
		}
		g := *v
		g.Free = make([]term.Term, len(v.Free))
		for i, e := range v.Free {
			g.Free[i] = f(e)
		}
		return &g
	}
	return t
}

// charsEdges are the edge cases of lists of code points and of their
// compact form term.Chars: code point boundaries in plain lists (what
// decodes to Chars and what must not), and Chars inside every container.
func charsEdges() []Entry {
	var es []Entry
	put := func(label string, t term.Term) { es = append(es, Entry{Label: "chars/" + label, Term: t}) }
	ints := func(cs ...int64) term.List {
		l := make(term.List, len(cs))
		for i, c := range cs {
			l[i] = term.Int(c)
		}
		return l
	}
	put("ascii-edge", ints(0, 127, 128, 255))
	put("255-256", ints(255, 256))
	put("surrogate-edges", ints(0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000))
	put("surrogate", ints(0x41, 0xD800, 0x42))
	put("max-code-point", ints(0x10FFFF))
	put("beyond-max", ints(0x10FFFF, 0x110000))
	put("negative-first", ints(-1, 97))
	put("big-element", term.List{term.Int(97), term.BigInteger(pow2(70))})
	put("float-element", term.List{term.Int(97), term.Float(98)})
	put("bytes|tail", term.ImproperList{Elems: ints(104, 105), Tail: term.Atom("t")})
	put("bytes|binary", term.ImproperList{Elems: ints(104, 105), Tail: term.Binary("j")})
	put("codepoints|int", term.ImproperList{Elems: ints(0x65E5, 0x672C), Tail: term.Int(1)})

	compact := []struct {
		label string
		t     term.Term
	}{
		{"hello", term.Chars("hello")},
		{"one", term.Chars("a")},
		{"nul", term.Chars("\x00")},
		{"latin1", term.Chars("héllo wörld ÿ")},
		{"unicode", term.Chars("日本語 🙂 ok")},
		{"max-code-point", term.Chars("\U0010FFFF")},
		{"255", term.Chars(strings.Repeat("x", 255))},
		{"256", term.Chars(strings.Repeat("y", 256))},
		{"256-latin1", term.Chars(strings.Repeat("é", 256))},
		{"tuple", term.Tuple{term.Chars("a"), ints(97), term.Chars("日本")}},
		{"list-of", term.List{term.Chars("ab"), term.Chars("cd"), term.Nil}},
		{"improper-elems", term.ImproperList{Elems: []term.Term{term.Chars("ab"), term.Chars("é")}, Tail: term.Atom("t")}},
		{"improper-tail-elem", term.ImproperList{Elems: []term.Term{term.Int(1)}, Tail: term.Tuple{term.Chars("x")}}},
		{"map", term.NewMap(
			term.KV{Key: term.Chars("key"), Value: term.Chars("value")},
			term.KV{Key: ints(1, 2), Value: term.Chars("日本")},
			term.KV{Key: term.Chars("\x01\x03"), Value: term.Nil},
		)},
		{"deep", nest(50, func(t term.Term) term.Term { return term.List{term.Chars("x"), t} })},
		{"in-fun", &term.Fun{Module: "m", Arity: 1, Index: 3, OldIndex: 3, OldUniq: 7,
			Pid: term.NewPid("a@b", 1, 0, 1), Free: []term.Term{term.Chars("free"), ints(1, 2)}}},
	}
	for _, c := range compact {
		put("compact/"+c.label, c.t)
	}
	return es
}
