package scan

import (
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

func kinds(toks []Token) string {
	var b []string
	for _, t := range toks {
		switch t.Kind {
		case Punct, Reserved:
			b = append(b, t.Text)
		case Dot:
			b = append(b, "<dot>")
		default:
			b = append(b, t.Kind.String()+":"+t.String())
		}
	}
	return strings.Join(b, " ")
}

func TestTokens(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"X = 1 + 2.", "var:X = integer:1 + integer:2 <dot>"},
		{"foo 'Bar' 'a b' '\\n'", "atom:foo atom:'Bar' atom:'a b' atom:'\\n'"},
		{"_ _X X_1 Y@z", "var:_ var:_X var:X_1 var:Y@z"},
		{"16#ff 2#1010 36#zz 1_000", "integer:255 integer:10 integer:1295 integer:1000"},
		{"1.5 1.0e10 2.5E-3 1_0.0_1", "float:1.5 float:1.0e10 float:0.0025 float:10.01"},
		{"$a $\\n $\\s $\\x{41} $\\101 $\\^A", "char:$a char:$\\n char:$\\s char:$A char:$A char:$\\001"},
		{`"a\tb" "\x{100}"`, `string:"a\tb" string:"Ā"`},
		{"a:b(c) -> || <- <= => := :: .. ...", "atom:a : atom:b ( atom:c ) -> || <- <= => := :: .. ..."},
		{"=:= =/= =< >= == /= ++ -- << >> ! # ?=", "=:= =/= =< >= == /= ++ -- << >> ! # ?="},
		{"case of end fun when andalso orelse maybe else", "case of end fun when andalso orelse atom:maybe atom:else"},
		{"a % comment\nb", "atom:a atom:b"},
		{"1.foo", "integer:1 . atom:foo"},
		{"1. 2.", "integer:1 <dot> integer:2 <dot>"},
		{"1.%c\n", "integer:1 <dot>"},
		{"1__0", "integer:1 var:__0"},
		{"123456789012345678901234567890", "integer:123456789012345678901234567890"},
		{"@ \\ ^ ` ~ &", "@ \\ ^ ` ~ &"},
		{"ßtrue Ärger", "atom:ßtrue var:Ärger"},
	} {
		toks, err := Tokens(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := kinds(toks); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestTokenPositions(t *testing.T) {
	toks, err := Tokens("foo(X,\n  \"s\" ++ Y).")
	if err != nil {
		t.Fatal(err)
	}
	want := []Pos{{1, 1}, {1, 4}, {1, 5}, {1, 6}, {2, 3}, {2, 7}, {2, 10}, {2, 11}, {2, 12}}
	for i, p := range want {
		if toks[i].Pos != p {
			t.Errorf("token %d %v at %v, want %v", i, toks[i], toks[i].Pos, p)
		}
	}
}

func TestValues(t *testing.T) {
	toks, err := Tokens(`"a\x{10FFFF}\e\d\^z" 'é' 1e`)
	if err != nil {
		t.Fatal(err)
	}
	if toks[0].Text != "a\U0010FFFF\x1b\x7f\x1a" {
		t.Errorf("string %q", toks[0].Text)
	}
	if toks[1].Kind != Atom || toks[1].Text != "é" {
		t.Errorf("atom %q", toks[1].Text)
	}
	if toks[2].Int != term.Int(1) || toks[3].Text != "e" {
		t.Errorf("1e: %v %v", toks[2], toks[3])
	}
}

// The error texts are erl_scan:format_error/1's.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"37#1", "1:1: illegal base '37'"},
		{"1#1", "1:1: illegal base '1'"},
		{"1.0e", "1:1: illegal float"},
		{"1.0e999", "1:1: illegal float"},
		{`"abc`, `1:1: unterminated string starting with "abc"`},
		{"x 'ab\ncd", `1:3: unterminated atom starting with 'ab\ncd'`},
		{`"0123456789abcdefghij`, `1:1: unterminated string starting with "0123456789abcdef"`},
		{"$", "1:1: unterminated character"},
		{`"\x{110000}"`, "1:2: illegal character"},
		{"\u0100", "1:1: illegal character"},
		{"'" + strings.Repeat("a", 256) + "'", "1:1: illegal atom"},
	} {
		_, err := Tokens(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %s", c.in, err, c.want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	for _, c := range []struct {
		in, cmd, rest string
		ok            bool
	}{
		{"1 + 2.", "1 + 2.", "", true},
		{"1 + 2.\n3.\n", "1 + 2.", "\n3.\n", true},
		{"1 +\n2", "", "1 +\n2", false},
		{`"a. b`, "", `"a. b`, false},
		{`"a. b". `, `"a. b".`, " ", true},
		{"'x. y' .", "'x. y' .", "", true},
		{"$. .", "$. .", "", true},
		{"a % not. here\n", "", "a % not. here\n", false},
		{"lists:seq(1,2).x", "", "lists:seq(1,2).x", false},
		{"37#1 foo.\nbar.", "37#1 foo.\n", "bar.", true},
	} {
		cmd, rest, ok := SplitCommand(c.in)
		if cmd != c.cmd || rest != c.rest || ok != c.ok {
			t.Errorf("SplitCommand(%q) = %q, %q, %v; want %q, %q, %v", c.in, cmd, rest, ok, c.cmd, c.rest, c.ok)
		}
		if Complete(c.in) != c.ok {
			t.Errorf("Complete(%q) != %v", c.in, c.ok)
		}
		if got := accumulate(c.in); got != c.ok {
			t.Errorf("Accumulator over the lines of %q = %v, want %v", c.in, got, c.ok)
		}
	}
}

// accumulate feeds in to an Accumulator line by line; true once it holds
// a complete command.
func accumulate(in string) bool {
	var a Accumulator
	for len(in) > 0 {
		line := in
		if i := strings.IndexByte(in, '\n'); i >= 0 {
			line = in[:i+1]
		}
		in = in[len(line):]
		if a.Add(line) {
			return true
		}
	}
	return false
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"X = 1 + 2.", `"a\x{41}" 'b' $c 16#ff 1.5e3`, "fun(X) -> X end.", "<<1:8/little>>", "#{a => 1}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := Tokens(s)
		for _, tk := range toks {
			_ = tk.String()
		}
		if err != nil {
			_ = err.Error()
		}
		cmd, rest, ok := SplitCommand(s)
		if ok && cmd+rest != s {
			t.Fatalf("split lost input: %q + %q != %q", cmd, rest, s)
		}
		if acc := accumulate(s); acc != ok && !(acc && strings.Contains(s, "\n")) {
			t.Fatalf("Accumulator %v, SplitCommand %v for %q", acc, ok, s)
		}
	})
}
