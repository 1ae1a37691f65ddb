package view

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// GlobalKeys are the keys the app handles in every view. Each has a
// printable key (':', '/', '?', 'q') and, where a view is being typed
// into and the printable key types text, a key that types nothing
// (ctrl+o, ctrl+/, f1): Typing lists those.
type GlobalKeys struct {
	Help, Palette, Filter, Back, Quit, Next, Prev, Goto key.Binding
}

// Keys returns the global keys.
func Keys() GlobalKeys {
	return GlobalKeys{
		Help:    key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "help")),
		Palette: key.NewBinding(key.WithKeys(":", "ctrl+o"), key.WithHelp(":", "commands")),
		Filter:  key.NewBinding(key.WithKeys("/", "ctrl+_"), key.WithHelp("/", "filter")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / clear the filter")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Next:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "views")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous view")),
		Goto:    key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "show view N")),
	}
}

// Typing returns the global keys that still work while a view is typed
// into (they type nothing): views that capture text leave these to the
// app, see TypingCapturer.
func Typing() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "commands")),
		key.NewBinding(key.WithKeys("ctrl+_"), key.WithHelp("ctrl+/", "filter")),
		key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
		key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "views")),
		key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous view")),
	}
}

// TypingCapturer is Capturer for a view being typed into: it takes
// every key but those in Typing. Embed it (NewTypingCapturer).
type TypingCapturer struct{ free []key.Binding }

// NewTypingCapturer returns a TypingCapturer.
func NewTypingCapturer() TypingCapturer { return TypingCapturer{free: Typing()} }

// Captures takes every key but those in Typing.
func (t TypingCapturer) Captures(msg tea.KeyMsg) bool { return !key.Matches(msg, t.free...) }

// ShortHelp is the status line's list of global keys.
func (k GlobalKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Palette, k.Filter, k.Next, k.Quit}
}

// FullHelp is the help screen's list of global keys.
func (k GlobalKeys) FullHelp() []key.Binding {
	h := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	return []key.Binding{
		h("tab / shift+tab", "next / previous view"),
		h("1-9", "show view N"),
		h(":", "command palette (ctrl+o where typing goes to the view: the shell)"),
		h("/", "filter this view, esc clears (ctrl+/ in the shell)"),
		h("esc", "back: clears the filter, closes details, returns to the view before"),
		h("?", "this help (f1 in the shell); ↑/↓ scroll, any other key closes"),
		h("q, ctrl+c", "quit (not in the shell, where they type and interrupt)"),
	}
}
