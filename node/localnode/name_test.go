package localnode

import (
	"regexp"
	"testing"

	"github.com/avmsh/avmsh/node"
)

// TestRandomName: prefix and eight lower-case hex digits, a new name
// each call (two equal names in 100 draws of 32 bits would mean the
// generator is not seeded), and OwnName completes an empty name with
// one.
func TestRandomName(t *testing.T) {
	re := regexp.MustCompile(`^avmsh_[0-9a-f]{8}$`)
	seen := map[string]bool{}
	for range 100 {
		n := RandomName("avmsh_")
		if !re.MatchString(n) {
			t.Fatalf("RandomName(avmsh_) = %q, want avmsh_ and 8 hex digits", n)
		}
		if seen[n] {
			t.Fatalf("RandomName gave %q twice in 100 draws", n)
		}
		seen[n] = true
	}
	name, err := OwnName("", node.ShortNames, "")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^avmsh_[0-9a-f]{8}@[^.@]+$`).MatchString(name) {
		t.Fatalf("OwnName(\"\") = %q, want avmsh_XXXXXXXX@host", name)
	}
}
