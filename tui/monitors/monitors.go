package monitors

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
)

// EventMsg carries one event from the source.
type EventMsg source.Event

// Wait returns a command that delivers the next event.
func Wait(src source.Source) tea.Cmd {
	ch := src.Events()
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return nil
		}
		return EventMsg(e)
	}
}

// Model is the monitors view. It keeps the last 1000 events.
type Model struct {
	th     theme.Theme
	events []source.Event
	counts map[source.EventKind]int
	filter string
	scroll int // lines scrolled up from the bottom
}

// New returns the view.
func New(th theme.Theme) Model { return Model{th: th, counts: map[source.EventKind]int{}} }

// SetFilter keeps events whose text, node or kind contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.scroll = 0 }

// Count is how many events of kind were seen.
func (m Model) Count(k source.EventKind) int { return m.counts[k] }

// Update records events and scrolls.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case EventMsg:
		m.events = append(m.events, source.Event(msg))
		if len(m.events) > 1000 {
			m.events = m.events[len(m.events)-1000:]
		}
		m.counts[msg.Kind]++
	case tea.KeyMsg:
		switch msg.String() {
		case "up", "k":
			m.scroll++
		case "down", "j":
			m.scroll = max(m.scroll-1, 0)
		case "end", "G":
			m.scroll = 0
		}
	}
	return m, nil
}

func (m Model) visible() []source.Event {
	if m.filter == "" {
		return m.events
	}
	var out []source.Event
	for _, e := range m.events {
		if strings.Contains(e.Text, m.filter) || strings.Contains(string(e.Node), m.filter) || strings.Contains(string(e.Kind), m.filter) {
			out = append(out, e)
		}
	}
	return out
}

// View renders the log, newest at the bottom.
func (m Model) View(width, height int) string {
	var b strings.Builder
	kinds := []source.EventKind{source.EvNodeUp, source.EvNodeDown, source.EvDown, source.EvExit, source.EvMessage}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, m.counts[k]))
	}
	b.WriteString(m.th.Header.Render(strings.Join(parts, "   ")) + "\n")
	v := m.visible()
	rows := max(height-2, 1)
	end := max(len(v)-m.scroll, 0)
	start := max(end-rows, 0)
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("no events yet (:monitor PID or NAME@NODE adds a monitor)") + "\n")
	}
	for _, e := range v[start:end] {
		line := theme.Cell(fmt.Sprintf("%s  %-8s %-30s %s", e.At.Format("15:04:05"), e.Kind, e.Node, e.Text), width)
		switch e.Kind {
		case source.EvNodeDown, source.EvDown, source.EvExit:
			line = m.th.Bad.Render(line)
		case source.EvNodeUp:
			line = m.th.Good.Render(line)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// Keys is the view's key help.
func Keys() [][2]string {
	return [][2]string{{"↑/↓", "scroll"}, {"G", "follow the newest"}, {"/", "filter"}, {":monitor X", "monitor a pid or name@node"}}
}
