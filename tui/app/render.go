package app

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
)

// View renders the screen: the tabs, the view on screen (or the help)
// and the status line.
func (m Model) View() string {
	var b strings.Builder
	var tabs []string
	for i, v := range m.views {
		label := fmt.Sprintf("%d %s", i+1, v.Title())
		if i == m.cur {
			tabs = append(tabs, m.th.ActiveTab.Render(label))
		} else {
			tabs = append(tabs, m.th.Tab.Render(label))
		}
	}
	b.WriteString(m.th.Title.Render("avmsh") + " " + strings.Join(tabs, "") + "  " + m.th.Dim.Render(string(m.local)) + "\n")
	body := m.height - 3
	var content string
	if m.showHelp {
		content = m.helpView()
	} else {
		content = m.views[m.cur].View()
	}
	content = theme.Clip(strings.TrimRight(content, "\n"), m.width, body)
	b.WriteString(content)
	if pad := body - strings.Count(content, "\n") - 1; pad > 0 {
		b.WriteString(strings.Repeat("\n", pad))
	}
	b.WriteString("\n")
	switch m.mode {
	case modePalette:
		b.WriteString(":" + m.input.View())
	case modeFilter:
		b.WriteString("/" + m.input.View())
	default:
		b.WriteString(theme.Cell(m.statusLine(), m.width))
	}
	return b.String()
}

// statusLine is the filter, the view's status and the last message, or
// else the global keys that work in the view on screen.
func (m Model) statusLine() string {
	var parts []string
	if f := m.filters[m.cur]; f != "" {
		parts = append(parts, "filter: "+f+" (esc clears)")
	}
	if s := m.views[m.cur].Status(); s != "" {
		parts = append(parts, s)
	}
	if m.status != "" {
		parts = append(parts, m.status)
	}
	if m.showHelp {
		parts = append(parts, "↑/↓ scroll, any other key closes the help")
	}
	if len(parts) > 0 {
		return strings.Join(parts, "  ")
	}
	return m.help.ShortHelpView(m.shortHelp())
}

// shortHelp lists the global keys as the view on screen lets them work:
// a view typed into takes ':' and '/', so ctrl+o and ctrl+/ are shown.
func (m Model) shortHelp() []key.Binding {
	c, _ := m.views[m.cur].(view.Capturer)
	var out []key.Binding
	quit := false
	for _, b := range m.keys.ShortHelp() {
		k, ok := freeKey(c, b)
		if !ok && key.Matches(keyMsg(b.Keys()[0]), m.keys.Next) {
			// The view completes with tab (the shell): shift+tab still
			// switches views.
			b = key.NewBinding(key.WithKeys(m.keys.Prev.Keys()...), key.WithHelp(m.keys.Prev.Help().Key, "views"))
			k, ok = freeKey(c, b)
		}
		if !ok {
			continue
		}
		if key.Matches(keyMsg(k), m.keys.Quit) {
			quit = true
		}
		h := b.Help()
		if k != b.Keys()[0] {
			h.Key = keyLabel(k)
		}
		out = append(out, key.NewBinding(key.WithKeys(k), key.WithHelp(h.Key, h.Desc)))
	}
	if !quit {
		out = append(out, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")))
	}
	return out
}

// freeKey is the first of b's keys that the view does not capture.
func freeKey(c view.Capturer, b key.Binding) (string, bool) {
	for _, k := range b.Keys() {
		if c == nil || !c.Captures(keyMsg(k)) {
			return k, true
		}
	}
	return "", false
}

// keyMsg is the key message of a key's name ("q", "ctrl+o", "tab").
func keyMsg(k string) tea.KeyMsg {
	for _, t := range []tea.KeyType{tea.KeyEsc, tea.KeyTab, tea.KeyShiftTab, tea.KeyCtrlO, tea.KeyCtrlUnderscore, tea.KeyF1, tea.KeyCtrlC, tea.KeyEnter} {
		if t.String() == k {
			return tea.KeyMsg{Type: t}
		}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// keyLabel is how a key is written in help ("ctrl+/" for ctrl+_).
func keyLabel(k string) string {
	if k == "ctrl+_" {
		return "ctrl+/"
	}
	return k
}
