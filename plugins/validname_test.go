package plugins

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidName checks the hand-written ValidName against the rule it
// implements, written as a regular expression.
func TestValidName(t *testing.T) {
	rule := regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	names := []string{"", "a", "0", "-", "_", "-a", "_a", "a-", "a_", "a-b_c9", "A", "aB", "a b", "a.b",
		"a/b", "é", "a\x00", "top", "x" + strings.Repeat("y", 63), "x" + strings.Repeat("y", 64), "ü-x"}
	for _, n := range names {
		want := len(n) <= 64 && rule.MatchString(n)
		if got := ValidName(n); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", n, got, want)
		}
	}
}
