package syntax

import (
	"context"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// recordFields is the record_print_fun used on both sides.
func recordFields(tag term.Atom, n int) []term.Atom {
	switch {
	case tag == "state" && n == 7:
		return []term.Atom{"a", "b", "c", "d", "e", "f", "g"}
	case tag == "state" && n == 3:
		return []term.Atom{"items", "extra", "a_long_field_name_for_text"}
	case tag == "error" && n == 1:
		return []term.Atom{"reason"}
	case tag == "config" && n == 1:
		return []term.Atom{"options"}
	}
	return nil
}

const erlRecordFun = `fun(state, 7) -> [a,b,c,d,e,f,g]; (state, 3) -> [items, extra, a_long_field_name_for_text]; (error, 1) -> [reason]; (config, 1) -> [options]; (_, _) -> no end`

// TestPrettyOptionsMatchOTP compares io_lib_pretty:print/2 with the erl
// shell's options (depth 30, line_max_chars 60, unicode), records, and
// other columns and line lengths.
func TestPrettyOptionsMatchOTP(t *testing.T) {
	n := otp.Node(t)
	local := term.Atom(n.Name)
	cases, foreign := conformanceCases(t, local)
	idx := otpIndexes(t, n, foreign)
	node := NodeContext{Local: local, Index: func(a term.Atom) int { return idx[a] }}
	variants := []struct {
		erl string
		o   Options
	}{
		{"[{column,1},{line_length,120},{depth,30},{line_max_chars,60},{encoding,unicode},{record_print_fun," + erlRecordFun + "}]",
			Options{Column: 1, LineLength: 120, Depth: 30, LineMaxChars: 60, Encoding: Unicode, Records: recordFields}},
		{"[{column,10},{line_length,60},{encoding,latin1},{record_print_fun," + erlRecordFun + "}]",
			Options{Column: 10, LineLength: 60, Records: recordFields}},
		{"[{column,1},{line_length,50},{depth,6},{strings,false},{encoding,unicode}]",
			Options{Column: 1, LineLength: 50, Depth: 6, NoStrings: true, Encoding: Unicode}},
	}
	// Records must be exercised: add some.
	cases = append(cases,
		confCase{`{error, {badarg, [1,2,3]}}`, term.Tuple{term.Atom("error"), term.Tuple{term.Atom("badarg"), term.List{term.Int(1), term.Int(2), term.Int(3)}}}},
		confCase{`[{state, a, b, c, d, e, f, g}, {state, lists:seq(1,30), x, "text"}]`,
			term.List{term.Tuple{term.Atom("state"), term.Atom("a"), term.Atom("b"), term.Atom("c"), term.Atom("d"), term.Atom("e"), term.Atom("f"), term.Atom("g")},
				term.Tuple{term.Atom("state"), seqList(30), term.Atom("x"), term.String("text")}}},
	)
	var calls []erltest.FormatCase
	for _, c := range cases {
		for _, v := range variants {
			calls = append(calls, erltest.FormatCase{Fmt: "~ts", Args: "[io_lib_pretty:print(" + c.Erl + ", " + v.erl + ")]"})
		}
	}
	out := erltest.Format(t, n, calls)
	fails, records := 0, 0
	for i, c := range cases {
		for j, v := range variants {
			o := v.o
			o.Node = node
			want := out[i*len(variants)+j]
			got := Pretty(c.Go, o)
			if strings.Contains(got, "#state{") {
				records++
			}
			if got != want {
				fails++
				if fails <= 20 {
					t.Errorf("io_lib_pretty:print(%s, %s):\n  OTP: %q\n  Go:  %q", c.Erl, v.erl, want, got)
				}
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d differ", fails, len(calls))
	}
	if records < 4 {
		t.Errorf("only %d printings used the record definitions", records)
	}
}

func seqList(n int) term.List {
	l := make(term.List, n)
	for i := range l {
		l[i] = term.Int(i + 1)
	}
	return l
}

// TestPrintableRangeUnicode runs ~tp and ~p on a node started with
// +pc unicode, where lists and binaries of any printable Unicode print
// as strings under ~tp.
func TestPrintableRangeUnicode(t *testing.T) {
	erltest.Require(t)
	n, err := erltest.Launch(context.Background(), erltest.Options{Args: []string{"+pc", "unicode"}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if err := erltest.InstallFormat(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	lits := []string{`"日本"`, `[8364]`, `<<"€"/utf8>>`, `<<"日本語"/utf8>>`, `["é", "€", [1,2]]`, `[16#1F600]`, `[16#FFFE]`, `[16#D7FF]`,
		`<<"a€"/utf8, 255>>`, `"é"`, `{<<"€"/utf8>>, "€"}`}
	var calls []erltest.FormatCase
	var terms []term.Term
	for _, l := range lits {
		v, err := Parse(l, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		terms = append(terms, v, v)
		calls = append(calls, erltest.FormatCase{Fmt: "~tp", Args: "[" + l + "]"}, erltest.FormatCase{Fmt: "~p", Args: "[" + l + "]"})
	}
	out := erltest.Format(t, n, calls)
	for i, v := range terms {
		o := Options{PrintableRange: Unicode}
		if calls[i].Fmt == "~tp" {
			o.Encoding = Unicode
		}
		if got := Pretty(v, o); got != out[i] {
			t.Errorf("%s of %s with +pc unicode:\n  OTP: %q\n  Go:  %q", calls[i].Fmt, calls[i].Args, out[i], got)
		}
	}
}
