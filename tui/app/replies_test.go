package app_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/app"
)

// TestDropTerminalReplies: a late answer to the background question,
// as bubbletea parses it, never reaches a view (it would be typed into
// the shell or the palette); the same keys typed alone pass.
func TestDropTerminalReplies(t *testing.T) {
	f := app.DropTerminalReplies()
	alt := func(r string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(r), Alt: true} }
	runes := func(r string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(r)} }
	for _, m := range []tea.Msg{alt("]"), runes("11;rgb:1e1e/1e1e/2e2e"), alt(`\`)} {
		if got := f(nil, m); got != nil {
			t.Fatalf("%v passed", m)
		}
	}
	for _, m := range []tea.Msg{runes("11;rgb:0/0/0"), tea.KeyMsg{Type: tea.KeyCtrlG}} {
		if got := f(nil, m); got != nil {
			t.Fatalf("%v passed (BEL-terminated answer)", m)
		}
	}
	for _, m := range []tea.Msg{runes("lists:seq(1, 3)."), tea.KeyMsg{Type: tea.KeyCtrlG}, alt(`\`), runes("11;rgb"), tea.WindowSizeMsg{}} {
		if got := f(nil, m); got == nil {
			t.Fatalf("%v was dropped", m)
		}
	}
}
