package monitors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/crashlog"
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
	// ReportDir is where s saves crash reports ("": the directory
	// avmsh started in); ReportInfo is added to each report.
	ReportDir  string
	ReportInfo crashlog.ReportInfo

	src    Source
	th     theme.Theme
	local  term.Atom
	width  int
	height int
	events []source.Event
	counts map[source.EventKind]int
	erpc   int // erpc's own dumps, counted and not listed
	filter string
	scroll int             // lines scrolled up from the bottom: the last line shown is selected
	open   *crashlog.Event // the crash shown in full, until esc
	top    int             // its first line shown
	keys   keyMap
}

// New returns the view; local is the dashboard's own node.
func New(src Source, local term.Atom, th theme.Theme) *Model {
	return &Model{src: src, th: th, local: local, counts: map[source.EventKind]int{}, width: 100, height: 27, keys: newKeys()}
}

type keyMap struct{ up, down, follow, open, save, close key.Binding }

func newKeys() keyMap {
	return keyMap{
		up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "select an older event (scrolls back)")),
		down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "select a newer event")),
		follow: key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "follow the newest")),
		open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "show the selected crash in full: stack, dump (esc: back)")),
		save:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save the selected crash (else the newest) as a report file, ready for an issue")),
		close:  key.NewBinding(key.WithKeys("esc", "enter", "backspace")),
	}
}

// Title is the tab's label.
func (m *Model) Title() string { return "Monitors" }

// Init listens for events (whatever the view on screen).
func (m *Model) Init() tea.Cmd { return wait(m.src.Events()) }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status says when the log is scrolled back.
func (m *Model) Status() string {
	switch {
	case m.open != nil:
		return "↑/↓ scroll, s saves it, esc back"
	case m.scroll > 0:
		return fmt.Sprintf("scrolled back %d (G follows)", m.scroll)
	}
	return ""
}

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	k := m.keys
	return []key.Binding{k.up, k.down, k.follow, k.open, k.save}
}

// Captures takes the keys that close and scroll a crash shown in full.
func (m *Model) Captures(msg tea.KeyMsg) bool {
	return m.open != nil && key.Matches(msg, m.keys.close, m.keys.up, m.keys.down)
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
		m.add(source.Event(msg))
		return wait(m.src.Events())
	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

// add logs an event; erpc's own crash dumps (every RPC to an AtomVM
// board prints one, the dashboard's polls included) are only counted,
// as avmsh top does. A selected event stays selected.
func (m *Model) add(e source.Event) {
	if e.Kind == source.EvCrash && e.Crash != nil && e.Crash.ERPC {
		m.erpc++
		return
	}
	m.events = append(m.events, e)
	if len(m.events) > 1000 {
		m.events = m.events[len(m.events)-1000:]
	}
	m.counts[e.Kind]++
	if m.scroll > 0 && m.matches(e) {
		m.scroll = min(m.scroll+1, max(len(m.visible())-1, 0))
	}
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.open != nil {
		switch {
		case key.Matches(msg, k.up):
			m.top = max(m.top-1, 0)
		case key.Matches(msg, k.down):
			m.top++
		case key.Matches(msg, k.close):
			m.open, m.top = nil, 0
		case key.Matches(msg, k.save):
			return m.save(*m.open)
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.up):
		m.scroll = min(m.scroll+1, max(len(m.visible())-1, 0))
	case key.Matches(msg, k.down):
		m.scroll = max(m.scroll-1, 0)
	case key.Matches(msg, k.follow):
		m.scroll = 0
	case key.Matches(msg, k.open):
		if e, ok := m.selected(); ok && e.Crash != nil {
			c := *e.Crash
			m.open, m.top = &c, 0
		}
	case key.Matches(msg, k.save):
		if c, ok := m.crashToSave(); ok {
			return m.save(c)
		}
		return view.Status("no crash to save: the list has no crash dump or abnormal exit (s saves the selected one)")
	}
	return nil
}

func (m *Model) visible() []source.Event {
	if m.filter == "" {
		return m.events
	}
	var out []source.Event
	for _, e := range m.events {
		if m.matches(e) {
			out = append(out, e)
		}
	}
	return out
}

func (m *Model) matches(e source.Event) bool {
	f := m.filter
	return f == "" || strings.Contains(e.Text, f) || strings.Contains(string(e.Node), f) || strings.Contains(string(e.Kind), f)
}

// selected is the event on the last line shown.
func (m *Model) selected() (source.Event, bool) {
	v := m.visible()
	if i := len(v) - 1 - m.scroll; i >= 0 && i < len(v) {
		return v[i], true
	}
	return source.Event{}, false
}

// View renders the log, newest at the bottom, or the crash opened.
func (m *Model) View() string {
	if m.open != nil {
		return m.crashView()
	}
	var b strings.Builder
	kinds := []source.EventKind{source.EvNodeUp, source.EvNodeDown, source.EvDown, source.EvExit, source.EvMessage, source.EvCrash}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, m.counts[k]))
	}
	if m.erpc > 0 {
		parts = append(parts, fmt.Sprintf("(erpc dumps not listed: %d)", m.erpc))
	}
	b.WriteString(m.th.Header.Render(strings.Join(parts, "   ")) + "\n")
	v := m.visible()
	rows := max(m.height-2, 1)
	end := max(len(v)-m.scroll, 0)
	start := max(end-rows, 0)
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("no events yet (:monitor PID or NAME@NODE adds a monitor)") + "\n")
	}
	for i, e := range v[start:end] {
		mark := " "
		if e.Crash != nil {
			mark = "*" // a crash report: enter shows it, s saves it
		}
		line := theme.Cell(fmt.Sprintf("%s %s%-8s %-30s %s", e.At.Format("15:04:05"), mark, e.Kind, e.Node, devices.Visible(e.Text)), m.width)
		switch {
		case m.scroll > 0 && start+i == end-1:
			line = m.th.Selected.Render(line)
		case e.Kind == source.EvNodeDown, e.Kind == source.EvDown, e.Kind == source.EvExit, e.Kind == source.EvCrash:
			line = m.th.Bad.Render(line)
		case e.Kind == source.EvNodeUp:
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
