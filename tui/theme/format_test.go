package theme_test

import (
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/avmsh/avmsh/tui/theme"
)

// TestWidth: the fast path measures what ansi.StringWidth measures.
func TestWidth(t *testing.T) {
	for _, s := range []string{
		"", "plain ascii", "MEMORY▼ NAME▲ ≠ … ·", "▁▂▃▄▅▆▇█ ░▒▓", "←↑→↓", "Ünïcödé ²",
		"\x1b[1mbold\x1b[0m", "wide 漢字", "e\u0301 combining", "emoji ⚡", "tab\there", "\x07bell",
	} {
		if got, want := theme.Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi.StringWidth says %d", s, got, want)
		}
	}
}
