package etf

import (
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

// TestSmallInts: smallInts[i] is term.Int(i).
func TestSmallInts(t *testing.T) {
	for i, v := range smallInts {
		if v != term.Term(term.Int(i)) {
			t.Fatalf("smallInts[%d] = %#v", i, v)
		}
	}
}
