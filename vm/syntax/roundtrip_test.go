package syntax

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// roundTrippable reports whether t can be printed and parsed back:
// everything but local funs and export funs whose names OTP prints
// byte-wise (non-ASCII).
func roundTrippable(t term.Term) bool {
	switch v := t.(type) {
	case *term.Fun, term.LocalExt:
		return false
	case term.ExportFun:
		return isASCII(string(v.Module)) && isASCII(string(v.Function))
	case term.List:
		for _, e := range v {
			if !roundTrippable(e) {
				return false
			}
		}
	case term.ImproperList:
		for _, e := range v.Elems {
			if !roundTrippable(e) {
				return false
			}
		}
		return roundTrippable(v.Tail)
	case term.Tuple:
		for _, e := range v {
			if !roundTrippable(e) {
				return false
			}
		}
	case term.Map:
		for k, e := range v.All() {
			if !roundTrippable(k) || !roundTrippable(e) {
				return false
			}
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// allTableTerms is every Go term of the conformance table, built
// without a node (the local node is "local@host").
func allTableTerms(t *testing.T) []term.Term {
	cs, _ := conformanceCases(t, "local@host")
	out := make([]term.Term, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Go)
	}
	return out
}

func TestParsePrintRoundTrip(t *testing.T) {
	stable := Options{Node: NodeContext{ShowCreation: true}}
	variants := []struct {
		name   string
		o      Options
		pretty bool
	}{
		{"~w", stable, false},
		{"~tw", withEnc(stable, Unicode), false},
		{"~p", stable, true},
		{"~tp", withEnc(stable, Unicode), true},
		{"~lp", Options{Node: stable.Node, NoStrings: true}, true},
		{"~20p", Options{Node: stable.Node, LineLength: 20}, true},
	}
	n := 0
	for _, v := range allTableTerms(t) {
		if !roundTrippable(v) {
			continue
		}
		for _, f := range variants {
			var s string
			if f.pretty {
				s = Pretty(v, f.o)
			} else {
				s = Write(v, f.o)
			}
			back, err := Parse(s, ParseOptions{})
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", f.name, s, err)
				continue
			}
			if !term.ExactEqual(back, v) {
				t.Errorf("%s: %q parsed to %s", f.name, s, Write(back, stable))
			}
			n++
		}
	}
	if n < 2000 {
		t.Fatalf("only %d round trips", n)
	}
}

func withEnc(o Options, e Encoding) Options { o.Encoding = e; return o }

func TestStableIdentifierNotation(t *testing.T) {
	pid := term.NewPid("n@h", 91, 0, 7)
	port := term.Port{Node: "n@h", ID: 5, Creation: 7}
	ref := term.NewRef("n@h", 7, 3, 2, 1)
	cases := []struct {
		o    Options
		t    term.Term
		want string
	}{
		{Options{}, pid, "<'n@h'.91.0>"},
		{Options{Node: NodeContext{ShowCreation: true}}, pid, "<'n@h':7.91.0>"},
		{Options{Node: NodeContext{Local: "n@h"}}, pid, "<0.91.0>"},
		{Options{Node: NodeContext{Local: "n@h", LocalCreation: 8}}, pid, "<'n@h'.91.0>"},
		{Options{Node: NodeContext{Local: "x@y", Index: func(term.Atom) int { return 9267 }}}, pid, "<9267.91.0>"},
		{Options{}, port, "#Port<'n@h'.5>"},
		{Options{}, ref, "#Ref<'n@h'.1.2.3>"},
		{Options{Node: NodeContext{ShowCreation: true}}, ref, "#Ref<'n@h':7.1.2.3>"},
		{Options{Node: NodeContext{Local: "n@h"}}, ref, "#Ref<0.1.2.3>"},
	}
	for _, c := range cases {
		if got := Write(c.t, c.o); got != c.want {
			t.Errorf("Write(%v) = %q, want %q", c.t, got, c.want)
		}
	}
	// <0.X.Y> means the local node of the parse context.
	v, err := Parse("[<0.1.2>, #Port<0.3>, #Ref<0.4.5.6>]", ParseOptions{Node: NodeContext{Local: "me@h", LocalCreation: 9}})
	if err != nil {
		t.Fatal(err)
	}
	want := term.List{term.NewPid("me@h", 1, 2, 9), term.Port{Node: "me@h", ID: 3, Creation: 9}, term.NewRef("me@h", 9, 6, 5, 4)}
	if !term.ExactEqual(v, want) {
		t.Errorf("got %s", Write(v, Options{}))
	}
	v, err = Parse("<9267.1.2>", ParseOptions{NodeByIndex: func(i int) (term.Atom, uint32, bool) { return "o@h", 3, i == 9267 }})
	if err != nil || !term.ExactEqual(v, term.NewPid("o@h", 1, 2, 3)) {
		t.Errorf("index pid: %v %v", v, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "line 1, column 1: unexpected end of input; expected a term"},
		{"[1,2", "line 1, column 5: unexpected end of input in the list opened at line 1, column 1; expected ',', '|' or ']'"},
		{"{a b}", "line 1, column 4: unexpected 'b' in the tuple"},
		{"Foo", "variable Foo is not allowed"},
		{"case", "case is a reserved word; write the atom quoted: 'case'"},
		{"'abc", "unterminated quoted atom"},
		{"\"abc", "unterminated string"},
		{"#{a := 1}", "':=' only updates an existing map"},
		{"#{a}", "expected '=>'"},
		{"<0.1.2>", "no local node is known"},
		{"<5.1.2>", "unknown node index 5"},
		{"#Fun<erl_eval.1.2>", "local fun"},
		{"fun foo/1", "only external funs"},
		{"1.0e999", "out of range"},
		{"99#1", "illegal base 99"},
		{"<<1:4294967296>>", "binary larger than the limit"},
		{"<<\"a\"/foo>>", "unknown binary type specifier"},
		{"<<<<1>>>>", "needs a type"},
		{"'\\x{D800}'", "not a valid character"},
		{"a\nb", "line 2, column 1: unexpected 'b' after the term"},
		{"ok.junk", "expected the end of the input"},
		{strings.Repeat("[", 2000), "nesting deeper than 1000 levels"},
		{"'" + strings.Repeat("a", 256) + "'", "atom too long"},
		{"\xff", "invalid UTF-8"},
		{"<<1.5:16/float>>", "float segments are 32 or 64 bits"},
		{"#Ref<'a@b'>", "expected '.' and the numbers"},
		{"<'a@b'.4294967296.0>", "does not fit in 32 bits"},
	}
	for _, c := range cases {
		_, err := Parse(c.in, ParseOptions{})
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", c.in, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want it to contain %q", c.in, err, c.want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): error %T is not a *ParseError", c.in, err)
		}
	}
}

func TestParseValues(t *testing.T) {
	cases := []struct {
		in   string
		want term.Term
	}{
		{"$\\x{1F600}", term.Int(0x1F600)},
		{"$\\^a", term.Int(1)},
		{"\"a\" \"b\" % comment\n \"c\"", term.String("abc")},
		{"16#ff_ff", term.Int(0xFFFF)},
		{"-2#101", term.Int(-5)},
		{"1_000.000_1e1_0", term.Float(1000.0001e10)},
		{"<<1:3,1:5>>", term.Binary{0x21}},
		{"<<16#1234:16/little>>", term.Binary{0x34, 0x12}},
		{"<<-1:12>>", term.NewBitstring([]byte{0xFF, 0xF0}, 4)},
		{"<<\"é\">>", term.Binary{0xE9}},
		{"<<\"é\"/utf8>>", term.Binary{0xC3, 0xA9}},
		{"<<\"ab\":16>>", term.Binary{0, 'a', 0, 'b'}},
		{"<<1.0/float>>", term.Binary{0x3F, 0xF0, 0, 0, 0, 0, 0, 0}},
		{"<<<<1,2,3>>:2/binary>>", term.Binary{1, 2}},
		{"[a|[b|[]]]", term.List{term.Atom("a"), term.Atom("b")}},
		{"fun erlang:'+'/2", term.ExportFun{Module: "erlang", Function: "+", Arity: 2}},
		{"fun case:end/1", term.ExportFun{Module: "case", Function: "end", Arity: 1}},
		{"<'n@h':3.1.2>", term.NewPid("n@h", 1, 2, 3)},
		{"<n@h.1.2>", term.NewPid("n@h", 1, 2, 0)},
		{"#{a => 1, a => 2}", term.NewMap(term.KV{Key: term.Atom("a"), Value: term.Int(2)})},
		{"  ok . ", term.Atom("ok")},
	}
	for _, c := range cases {
		got, err := Parse(c.in, ParseOptions{})
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !term.ExactEqual(got, c.want) {
			t.Errorf("Parse(%q) = %s, want %s", c.in, Write(got, Options{}), Write(c.want, Options{}))
		}
	}
	seq, err := ParseSequence("1, foo, \"x\"", ParseOptions{})
	if err != nil || len(seq) != 3 {
		t.Errorf("ParseSequence: %v %v", seq, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range literalCases {
		f.Add(s)
	}
	f.Add("<'n@h':3.1.2>")
	f.Add("#Ref<'a@b'.1.2.3>")
	f.Add("#Port<'a@b'.1>")
	f.Add("<<1:3, \"x\"/utf16-little, 2.5:32/float>>")
	o := ParseOptions{Node: NodeContext{Local: "me@h"}, MaxBinary: 1 << 16, MaxDepth: 200}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s, o)
		if err != nil || !roundTrippable(v) {
			return
		}
		// Whatever parses prints and parses back to the same term.
		for _, text := range []string{Write(v, Options{Node: NodeContext{ShowCreation: true}}), Pretty(v, Options{Node: NodeContext{ShowCreation: true}, Encoding: Unicode})} {
			back, err := Parse(text, ParseOptions{MaxBinary: 1 << 20, MaxDepth: 400})
			if err != nil {
				t.Fatalf("Parse(%q) -> %q: %v", s, text, err)
			}
			if !term.ExactEqual(back, v) {
				t.Fatalf("Parse(%q) -> %q -> different term", s, text)
			}
		}
	})
}
