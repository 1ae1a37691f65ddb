package syntax

import (
	"context"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// walkTerm calls f on t and every subterm.
func walkTerm(t term.Term, f func(term.Term)) {
	f(t)
	switch v := t.(type) {
	case term.List:
		for _, e := range v {
			walkTerm(e, f)
		}
	case term.ImproperList:
		for _, e := range v.Elems {
			walkTerm(e, f)
		}
		walkTerm(v.Tail, f)
	case term.Tuple:
		for _, e := range v {
			walkTerm(e, f)
		}
	case term.Map:
		for k, e := range v.All() {
			walkTerm(k, f)
			walkTerm(e, f)
		}
	case *term.Fun:
		walkTerm(v.Pid, f)
		for _, e := range v.Free {
			walkTerm(e, f)
		}
	}
}

// hasLargeMap reports whether t holds a map of more than 32 keys, which
// OTP prints in hash order.
func hasLargeMap(t term.Term) bool {
	found := false
	walkTerm(t, func(x term.Term) {
		if m, ok := x.(term.Map); ok && m.Len() > 32 {
			found = true
		}
	})
	return found
}

// hasPidKeyMap reports whether t holds a map with a pid inside a key.
// term.CompareExact orders pids by node, creation, serial and number;
// OTP 25 by serial, number, node and creation, so such maps print their
// associations in a different order until vm/term follows OTP.
func hasPidKeyMap(t term.Term) bool {
	found := false
	walkTerm(t, func(x term.Term) {
		m, ok := x.(term.Map)
		if !ok {
			return
		}
		for k := range m.All() {
			walkTerm(k, func(y term.Term) {
				if _, ok := y.(term.Pid); ok {
					found = true
				}
			})
		}
	})
	return found
}

// TestCorpusMatchesOTP prints every corpus term (and the terms the
// corpus makes on a live node) with ~w, ~p and ~tp on the node after
// binary_to_term of our encoding, and compares with our printer; it also
// checks parse(print(t)) =:= t.
func TestCorpusMatchesOTP(t *testing.T) {
	n := otp.Node(t)
	entries := corpus.Entries()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	live, err := corpus.Live(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	entries = append(entries, live...)
	local := term.Atom(n.Name)
	nodes := map[term.Atom]bool{}
	var terms []corpus.Entry
	var encoded [][]byte
	for _, e := range entries {
		b, err := etf.Marshal(e.Term)
		if err != nil {
			continue // shell closures and other unencodable terms
		}
		walkTerm(e.Term, func(x term.Term) {
			switch v := x.(type) {
			case term.Pid:
				nodes[v.Node] = true
			case term.Port:
				nodes[v.Node] = true
			case term.Ref:
				nodes[v.Node] = true
			}
		})
		terms = append(terms, e)
		encoded = append(encoded, b)
	}
	if len(terms) < 2000 {
		t.Fatalf("only %d encodable corpus terms", len(terms))
	}
	delete(nodes, local)
	var foreign []term.Atom
	for a := range nodes {
		foreign = append(foreign, a)
	}
	idx := otpIndexes(t, n, foreign)
	base := Options{Node: NodeContext{Local: local, Index: func(a term.Atom) int { return idx[a] }}}
	formats := []struct {
		f   string
		set func(*Options)
	}{{"~w", nil}, {"~p", nil}, {"~tp", func(o *Options) { o.Encoding = Unicode }}}
	var fs []string
	for _, f := range formats {
		fs = append(fs, f.f)
	}
	out := erltest.FormatETF(t, n, encoded, fs)
	fails, byValue, roundTrips := 0, 0, 0
	stable := Options{Node: NodeContext{ShowCreation: true}}
	for i, e := range terms {
		large := hasLargeMap(e.Term) || hasPidKeyMap(e.Term)
		for j, f := range formats {
			want := out[i*len(formats)+j]
			o := base
			if f.set != nil {
				f.set(&o)
			}
			var got string
			if f.f == "~w" {
				got = Write(e.Term, o)
			} else {
				got = Pretty(e.Term, o)
			}
			if large {
				// Same associations in another order: both texts must
				// parse to the same term (creations are not shown in
				// either, so both lose them the same way).
				if !roundTrippable(e.Term) {
					continue
				}
				byValue++
				po := ParseOptions{Node: NodeContext{Local: local}, NodeByIndex: func(i int) (term.Atom, uint32, bool) {
					for a, x := range idx {
						if x == i {
							return a, 0, true
						}
					}
					return "", 0, false
				}}
				theirs, err1 := Parse(want, po)
				ours, err2 := Parse(got, po)
				if err1 != nil || err2 != nil || (f.f == "~w" && len(got) != len(want)) || !term.ExactEqual(theirs, ours) {
					fails++
					t.Errorf("%s %s (map order): OTP's text holds another term (%v, %v)\n  OTP: %q\n  Go:  %q", e.Label, f.f, err1, err2, want, got)
				}
				continue
			}
			if got != want {
				fails++
				if fails <= 20 {
					t.Errorf("%s %s:\n  OTP: %q\n  Go:  %q", e.Label, f.f, want, got)
				}
			}
		}
		if roundTrippable(e.Term) {
			for _, s := range []string{Write(e.Term, stable), Pretty(e.Term, withEnc(stable, Unicode))} {
				back, err := Parse(s, ParseOptions{})
				if err != nil || !term.ExactEqual(back, e.Term) {
					fails++
					t.Errorf("%s: parse(print(t)) of %q: %v", e.Label, s, err)
				}
				roundTrips++
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d mismatches", fails)
	}
	t.Logf("%d corpus terms (%d live) x %d formats compared with OTP; %d large-map printings compared by value; %d parse(print(t)) round trips",
		len(terms), len(live), len(formats), byValue, roundTrips)
}
