package syntax

import (
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/term"
)

// TestCompactPrintsAsPlain checks that every corpus term prints the same
// with its lists of code points in their compact form (term.Chars, as
// they arrive from a peer) as in plain Lists, with ~w, ~p, ~tp, ~lp and a
// depth limit. TestCorpusMatchesOTP compares the plain forms with OTP.
func TestCompactPrintsAsPlain(t *testing.T) {
	opts := []Options{{}, {Encoding: Unicode}, {NoStrings: true}, {Depth: 5}, {Encoding: Unicode, Depth: 12}}
	n := 0
	for _, e := range corpus.Entries() {
		c := corpus.Compact(e.Term)
		if term.CompareExact(c, e.Term) != 0 {
			t.Fatalf("%s: compact form is not =:=", e.Label)
		}
		for _, o := range opts {
			if w, cw := Write(e.Term, o), Write(c, o); w != cw {
				t.Errorf("%s %+v: ~w %.60q, compact %.60q", e.Label, o, w, cw)
			}
			if p, cp := Pretty(e.Term, o), Pretty(c, o); p != cp {
				t.Errorf("%s %+v: ~p %.60q, compact %.60q", e.Label, o, p, cp)
			}
		}
		n++
	}
	if n < 2000 {
		t.Fatalf("only %d terms", n)
	}
}
