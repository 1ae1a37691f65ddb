package termjson

import (
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/term"
)

// TestRoundTripCorpus checks Unmarshal(Marshal(t)) =:= t for every term
// of the shared corpus.
func TestRoundTripCorpus(t *testing.T) {
	n := 0
	for _, e := range corpus.Entries() {
		if f, ok := e.Term.(*term.Fun); ok && f.Local != nil {
			continue
		}
		b, err := Marshal(e.Term)
		if err != nil {
			t.Errorf("%s: Marshal: %v", e.Label, err)
			continue
		}
		back, err := Unmarshal(b)
		if err != nil {
			t.Errorf("%s: Unmarshal(%s): %v", e.Label, b, err)
			continue
		}
		if !term.ExactEqual(back, e.Term) {
			t.Errorf("%s: round trip through %s changed the term", e.Label, b)
		}
		// Strings in their compact form (term.Chars, as decoded from a
		// peer) give the same JSON.
		if cb, err := Marshal(corpus.Compact(e.Term)); err != nil || string(cb) != string(b) {
			t.Errorf("%s: compact form gives %.80s (%v), plain %.80s", e.Label, cb, err, b)
		}
		n++
	}
	if n < 2000 {
		t.Fatalf("only %d corpus terms round-tripped", n)
	}
}
