package view

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Cursor is the selected row of a list view.
type Cursor struct{ Pos int }

// NavKeys are the keys Cursor.Move handles, for a view's Bindings.
func NavKeys() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "page up / down")),
		key.NewBinding(key.WithKeys("home", "g", "end", "G"), key.WithHelp("g/G", "first / last")),
	}
}

// Move handles a navigation key in a list of n rows (page rows per
// page) and reports whether msg was one.
func (c *Cursor) Move(msg tea.KeyMsg, n, page int) bool {
	page = max(page, 1)
	switch msg.String() {
	case "up", "k":
		c.Pos--
	case "down", "j":
		c.Pos++
	case "pgup":
		c.Pos -= page
	case "pgdown":
		c.Pos += page
	case "home", "g":
		c.Pos = 0
	case "end", "G":
		c.Pos = n - 1
	default:
		return false
	}
	c.Clamp(n)
	return true
}

// Clamp keeps the cursor inside a list of n rows.
func (c *Cursor) Clamp(n int) { c.Pos = max(min(c.Pos, n-1), 0) }

// Start is the first row to draw so that the cursor shows in a window
// of rows rows.
func (c Cursor) Start(rows int) int {
	if rows > 0 && c.Pos >= rows {
		return c.Pos - rows + 1
	}
	return 0
}
