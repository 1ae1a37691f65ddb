package syntax

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// otp is the erl node the io_lib:format conformance tests share.
var otp erltest.FormatNode

func TestMain(m *testing.M) {
	code := m.Run()
	otp.Stop()
	os.Exit(code)
}

// printFormat is one way of printing compared with OTP.
type printFormat struct {
	fmt   string // io_lib format
	extra string // extra arguments after the term, e.g. ", 3"
	set   func(*Options)
}

var printFormats = []printFormat{
	{fmt: "~w"},
	{fmt: "~p"},
	{fmt: "~tw", set: func(o *Options) { o.Encoding = Unicode }},
	{fmt: "~tp", set: func(o *Options) { o.Encoding = Unicode }},
	{fmt: "~lp", set: func(o *Options) { o.NoStrings = true }},
	{fmt: "~40p", set: func(o *Options) { o.LineLength = 40 }},
	{fmt: "~30.10p", set: func(o *Options) { o.LineLength = 30; o.Column = 10 }},
	{fmt: "~W", extra: ", 4", set: func(o *Options) { o.Depth = 4 }},
	{fmt: "~P", extra: ", 5", set: func(o *Options) { o.Depth = 5 }},
	{fmt: "~tP", extra: ", 2", set: func(o *Options) { o.Depth = 2; o.Encoding = Unicode }},
}

// otpIndexes asks the node which index it prints for each foreign node.
func otpIndexes(t *testing.T, n *erltest.Node, nodes []term.Atom) map[term.Atom]int {
	t.Helper()
	var cases []erltest.FormatCase
	for _, node := range nodes {
		cases = append(cases, erltest.FormatCase{Fmt: "~w", Args: "[" + pidExpr(term.NewPid(node, 1, 2, 3)) + "]"})
	}
	out := erltest.Format(t, n, cases)
	re := regexp.MustCompile(`^<(\d+)\.1\.2>$`)
	idx := make(map[term.Atom]int)
	for i, s := range out {
		m := re.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("node %s printed a pid as %q", nodes[i], s)
		}
		idx[nodes[i]], _ = strconv.Atoi(m[1])
	}
	return idx
}

// conformanceCases builds the whole table for the node named local.
func conformanceCases(t *testing.T, local term.Atom) ([]confCase, []term.Atom) {
	var cs []confCase
	po := ParseOptions{Node: NodeContext{Local: local}}
	for _, lit := range literalCases {
		v, err := Parse(lit, po)
		if err != nil {
			t.Errorf("Parse(%s): %v", lit, err)
			continue
		}
		cs = append(cs, confCase{lit, v})
	}
	for _, c := range bigCases() {
		if c.Go == nil {
			v, err := Parse(c.Erl, po)
			if err != nil {
				t.Errorf("Parse(%s): %v", c.Erl, err)
				continue
			}
			c.Go = v
		}
		cs = append(cs, c)
	}
	cs = append(cs, floatCases(300)...)
	cs = append(cs, bigIntCases()...)
	ids, foreign := identCases(local)
	cs = append(cs, ids...)
	return cs, foreign
}

func TestPrintMatchesOTP(t *testing.T) {
	n := otp.Node(t)
	local := term.Atom(n.Name)
	cases, foreign := conformanceCases(t, local)
	if len(cases) < 300 {
		t.Fatalf("table has %d cases, want >= 300", len(cases))
	}
	idx := otpIndexes(t, n, foreign)
	base := Options{Node: NodeContext{Local: local, Index: func(a term.Atom) int { return idx[a] }}}
	var calls []erltest.FormatCase
	for _, c := range cases {
		for _, f := range printFormats {
			calls = append(calls, erltest.FormatCase{Fmt: f.fmt, Args: "[" + c.Erl + f.extra + "]"})
		}
	}
	out := erltest.Format(t, n, calls)
	fails := 0
	k := 0
	for _, c := range cases {
		for _, f := range printFormats {
			want := out[k]
			k++
			o := base
			if f.set != nil {
				f.set(&o)
			}
			var got string
			if strings.HasPrefix(f.fmt, "~w") || strings.HasPrefix(f.fmt, "~tw") || strings.HasPrefix(f.fmt, "~W") {
				got = Write(c.Go, o)
			} else {
				got = Pretty(c.Go, o)
			}
			if got != want {
				fails++
				if fails <= 40 {
					t.Errorf("%s of %s:\n  OTP: %q\n  Go:  %q", f.fmt, c.Erl, want, got)
				}
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d printings differ from OTP", fails, len(calls))
	}
	t.Logf("compared %d terms x %d formats = %d printings with OTP %s", len(cases), len(printFormats), len(calls), n.Name)
}

// TestLargeMapsMatchOTPByValue covers maps of more than 32 keys, which
// OTP prints in hash order: the text must hold the same associations.
func TestLargeMapsMatchOTPByValue(t *testing.T) {
	n := otp.Node(t)
	var calls []erltest.FormatCase
	var terms []term.Term
	for _, size := range []int{33, 64, 200} {
		var kvs []term.KV
		for i := 0; i < size; i++ {
			kvs = append(kvs, term.KV{Key: term.Atom(fmt.Sprintf("k%d", i)), Value: term.Int(i)})
		}
		terms = append(terms, term.NewMap(kvs...))
		calls = append(calls, erltest.FormatCase{Fmt: "~w", Args: fmt.Sprintf("[maps:from_list([{list_to_atom(\"k\" ++ integer_to_list(I)), I} || I <- lists:seq(0,%d)])]", size-1)})
	}
	out := erltest.Format(t, n, calls)
	for i, want := range out {
		got := Write(terms[i], Options{})
		if len(got) != len(want) {
			t.Errorf("map of %d keys: OTP printed %d bytes, we %d", terms[i].(term.Map).Len(), len(want), len(got))
		}
		back, err := Parse(want, ParseOptions{})
		if err != nil {
			t.Fatalf("parse OTP output: %v", err)
		}
		if !term.ExactEqual(back, terms[i]) {
			t.Errorf("map of %d keys: OTP's text parses to a different map", terms[i].(term.Map).Len())
		}
	}
}
