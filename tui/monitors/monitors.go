package monitors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Source is what the monitors view reads and does.
type Source interface {
	source.EventFeed
	source.Signals
}

// EventMsg carries one event from the source.
type EventMsg source.Event

// wait returns a command that delivers the next event.
func wait(ch <-chan source.Event) tea.Cmd {
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
	src    Source
	th     theme.Theme
	local  term.Atom
	width  int
	height int
	events []source.Event
	counts map[source.EventKind]int
	filter string
	scroll int // lines scrolled up from the bottom
}

// New returns the view; local is the dashboard's own node.
func New(src Source, local term.Atom, th theme.Theme) *Model {
	return &Model{src: src, th: th, local: local, counts: map[source.EventKind]int{}, width: 100, height: 27}
}

// Title is the tab's label.
func (m *Model) Title() string { return "Monitors" }

// Init listens for events (whatever the view on screen).
func (m *Model) Init() tea.Cmd { return wait(m.src.Events()) }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status says when the log is scrolled back.
func (m *Model) Status() string {
	if m.scroll > 0 {
		return fmt.Sprintf("scrolled back %d (G follows)", m.scroll)
	}
	return ""
}

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "k", "down", "j"), key.WithHelp("↑/↓", "scroll")),
		key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "follow the newest")),
	}
}

// Commands are the palette's monitor and send.
func (m *Model) Commands() []view.Command {
	return []view.Command{
		{Name: "monitor", Aliases: []string{"mon"}, Args: "PID|NAME@NODE", Help: "monitor a process; its DOWN appears in Monitors", Run: m.monitorCommand},
		{Name: "send", Args: "DEST TERM", Help: "send TERM to a pid, name or {Name,Node} (replies appear in Monitors)", Run: m.sendCommand},
	}
}

// SetFilter keeps events whose text, node or kind contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.scroll = 0 }

// Count is how many events of kind were seen.
func (m *Model) Count(k source.EventKind) int { return m.counts[k] }

// Update records events and scrolls.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case EventMsg:
		m.events = append(m.events, source.Event(msg))
		if len(m.events) > 1000 {
			m.events = m.events[len(m.events)-1000:]
		}
		m.counts[msg.Kind]++
		return wait(m.src.Events())
	case tea.KeyMsg:
		switch msg.String() {
		case "up", "k":
			m.scroll = min(m.scroll+1, max(len(m.visible())-1, 0))
		case "down", "j":
			m.scroll = max(m.scroll-1, 0)
		case "end", "G":
			m.scroll = 0
		}
	}
	return nil
}

func (m *Model) visible() []source.Event {
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
func (m *Model) View() string {
	var b strings.Builder
	kinds := []source.EventKind{source.EvNodeUp, source.EvNodeDown, source.EvDown, source.EvExit, source.EvMessage}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, m.counts[k]))
	}
	b.WriteString(m.th.Header.Render(strings.Join(parts, "   ")) + "\n")
	v := m.visible()
	rows := max(m.height-2, 1)
	end := max(len(v)-m.scroll, 0)
	start := max(end-rows, 0)
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("no events yet (:monitor PID or NAME@NODE adds a monitor)") + "\n")
	}
	for _, e := range v[start:end] {
		line := theme.Cell(fmt.Sprintf("%s  %-8s %-30s %s", e.At.Format("15:04:05"), e.Kind, e.Node, e.Text), m.width)
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

// monitorCommand is ":monitor PID|NAME@NODE".
func (m *Model) monitorCommand(args string) tea.Cmd {
	var target term.Term
	if i := strings.IndexByte(args, '@'); i > 0 && !strings.HasPrefix(args, "<") {
		target = term.Tuple{term.Atom(args[:i]), term.Atom(args[i+1:])} // name@node
	} else {
		t, err := view.ParseTerm(args, m.local)
		if err != nil {
			return view.Status("monitor: " + err.Error())
		}
		target = t
	}
	src := m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := src.Monitor(ctx, target); err != nil {
			return view.StatusMsg("monitor: " + err.Error())
		}
		return view.StatusMsg("monitoring " + syntax.Write(target, syntax.Options{}))
	}
}

// sendCommand is ":send DEST TERM".
func (m *Model) sendCommand(args string) tea.Cmd {
	parts := strings.SplitN(args, " ", 2)
	if len(parts) != 2 {
		return view.Status("usage: send DEST TERM")
	}
	dest, err := view.ParseTerm(parts[0], m.local)
	if err != nil {
		return view.Status("send: " + err.Error())
	}
	msg, err := view.ParseTerm(parts[1], m.local)
	if err != nil {
		return view.Status("send: " + err.Error())
	}
	src := m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := src.Send(ctx, dest, msg); err != nil {
			return view.StatusMsg("send: " + err.Error())
		}
		return view.StatusMsg("sent")
	}
}
