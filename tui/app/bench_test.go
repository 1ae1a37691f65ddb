package app_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/app"
)

// BenchmarkShellKeystroke is keystroke-to-echo in the shell pane: one
// key through the root model's Update and the full screen's View at
// 150×45 with a full scrollback — what bubbletea does per key before it
// writes the frame. One frame at 60 Hz is 16.7 ms.
func BenchmarkShellKeystroke(b *testing.B) {
	f := newFake()
	var m tea.Model = app.New(f, testOptions(b, f))
	m, _ = m.Update(tea.WindowSizeMsg{Width: 150, Height: 45})
	m, _ = m.Update(key("5"))
	for range 200 { // a scrollback of 200 lines
		m, _ = m.Update(app.OutputForTest("io:format output line from the node\n"))
	}
	keys := []tea.KeyMsg{key("l"), key("i"), key("s"), key("t"), key("s")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m, _ = m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}

// BenchmarkNodeViewFrame renders the node view with 5,000 processes
// after a key (sorting included).
func BenchmarkNodeViewFrame(b *testing.B) {
	f := newFake()
	var m tea.Model = app.New(f, testOptions(b, f))
	m, _ = m.Update(tea.WindowSizeMsg{Width: 150, Height: 45})
	m, _ = m.Update(app.BigNodeForTest(app1, 5000))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := "m"
		if i%2 == 1 {
			k = "r"
		}
		m, _ = m.Update(key(k))
		_ = m.View()
	}
}
