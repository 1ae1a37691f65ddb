package dist

import (
	"strconv"
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

// TestAtomSlotsEveryCacheSlot: all 2,048 slots can be filled and
// overwritten, past the 254 atoms the compact index holds, and each reads
// back what was put last; an empty slot reads as empty.
func TestAtomSlotsEveryCacheSlot(t *testing.T) {
	var s atomSlots
	if _, ok := s.get(7); ok {
		t.Fatal("an empty cache has slot 7")
	}
	for round := range 2 {
		for slot := range cacheSize {
			s.put(slot, term.Atom("a"+strconv.Itoa(round)+"_"+strconv.Itoa(slot)))
		}
		for slot := range cacheSize {
			want := term.Atom("a" + strconv.Itoa(round) + "_" + strconv.Itoa(slot))
			if got, ok := s.get(slot); !ok || got != want {
				t.Fatalf("round %d slot %d = %q, %v; want %q", round, slot, got, ok, want)
			}
		}
	}
	if len(s.atoms) != overflowed-1 || len(s.more) != cacheSize-(overflowed-1) {
		t.Fatalf("%d atoms indexed, %d in the map", len(s.atoms), len(s.more))
	}
}
