package cluster

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
	"github.com/avmsh/avmsh/vm/term"
)

// Source is what the cluster view reads and does.
type Source interface {
	source.Nodes
	source.Connections
}

// RowsMsg carries a cluster poll's result.
type RowsMsg struct {
	Rows []source.NodeRow
	Err  error
}

// Model is the cluster view.
type Model struct {
	src     Source
	th      theme.Theme
	rows    []source.NodeRow
	cur     view.Cursor
	filter  string
	err     error
	timeout time.Duration
	width   int
	height  int
	keys    keyMap
}

// New returns the view.
func New(src Source, th theme.Theme) *Model {
	return &Model{src: src, th: th, timeout: 5 * time.Second, width: 100, height: 27, keys: newKeys()}
}

type keyMap struct{ open, connect, disconnect key.Binding }

func newKeys() keyMap {
	return keyMap{
		open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the node (one not connected yet: connect first)")),
		connect:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "connect")),
		disconnect: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "disconnect")),
	}
}

// Title is the tab's label.
func (m *Model) Title() string { return "Cluster" }

// Init starts nothing: the app polls.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status is empty: the table says it all.
func (m *Model) Status() string { return "" }

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	return append(view.NavKeys(), m.keys.open, m.keys.connect, m.keys.disconnect)
}

// Commands are the palette's connection commands.
func (m *Model) Commands() []view.Command {
	return []view.Command{
		{Name: "connect", Aliases: []string{"c"}, Args: "NODE", Help: "connect to NODE (name, name@host or serial:PORT)",
			Run: func(args string) tea.Cmd { return m.connect(args, 10*time.Second) }},
		{Name: "disconnect", Args: "NODE", Help: "drop the connection to NODE",
			Run: func(args string) tea.Cmd { return m.disconnect(term.Atom(args)) }},
	}
}

// Poll fetches the cluster (one request per node, in parallel, bounded).
func (m *Model) Poll() tea.Cmd {
	src, timeout := m.src, m.timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		rows, err := src.Cluster(ctx)
		return RowsMsg{Rows: rows, Err: err}
	}
}

// SetFilter keeps only nodes whose name or kind contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0 }

// Selected is the node under the cursor.
func (m *Model) Selected() (source.NodeRow, bool) {
	v := m.visible()
	if m.cur.Pos < len(v) {
		return v[m.cur.Pos], true
	}
	return source.NodeRow{}, false
}

func (m *Model) visible() []source.NodeRow {
	if m.filter == "" {
		return m.rows
	}
	var out []source.NodeRow
	for _, r := range m.rows {
		if strings.Contains(string(r.Name), m.filter) || strings.Contains(r.Kind, m.filter) {
			out = append(out, r)
		}
	}
	return out
}

// Update handles keys and poll results.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case RowsMsg:
		m.rows, m.err = msg.Rows, msg.Err
		m.cur.Clamp(len(m.visible()))
	case tea.KeyMsg:
		if m.cur.Move(msg, len(m.visible()), m.height-3) {
			return nil
		}
		r, ok := m.Selected()
		switch {
		case !ok:
		case key.Matches(msg, m.keys.open):
			return m.open(r)
		case key.Matches(msg, m.keys.connect):
			if r.State == source.StateUnreachable {
				return view.Status(r.Err)
			}
			return m.connect(dialOf(r), 5*time.Second)
		case key.Matches(msg, m.keys.disconnect):
			return m.disconnect(r.Name)
		}
	}
	return nil
}

// dialOf is what Connect takes for a row.
func dialOf(r source.NodeRow) string {
	if r.Dial != "" {
		return r.Dial
	}
	return string(r.Name)
}

// open shows a node in the node view; one not connected yet (a board,
// a node epmd lists) is connected to first, which also tells its name.
func (m *Model) open(r source.NodeRow) tea.Cmd {
	switch r.State {
	case source.StateUnreachable:
		return view.Status(r.Err)
	case source.StateSeen:
		src, spec := m.src, dialOf(r)
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			n, err := src.Connect(ctx, spec)
			if err != nil {
				return view.StatusMsg(fmt.Sprintf("connect %s: %v", spec, err))
			}
			return view.NodeMsg{Node: n, Show: "Node"}
		}
	}
	return func() tea.Msg { return view.NodeMsg{Node: r.Name, Show: "Node"} }
}

func (m *Model) connect(spec string, timeout time.Duration) tea.Cmd {
	src := m.src
	return tea.Sequence(func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		n, err := src.Connect(ctx, spec)
		if err != nil {
			return view.StatusMsg(fmt.Sprintf("connect %s: %v", spec, err))
		}
		return view.StatusMsg("connected to " + string(n))
	}, view.Refresh())
}

func (m *Model) disconnect(n term.Atom) tea.Cmd {
	src := m.src
	return tea.Sequence(func() tea.Msg {
		if err := src.Disconnect(n); err != nil {
			return view.StatusMsg(err.Error())
		}
		return view.StatusMsg("disconnected from " + string(n))
	}, view.Refresh())
}

var widths = []int{31, 7, 6, 11, 13, 7, 10, 9, 8}

// View renders the table.
func (m *Model) View() string {
	width, height := m.width, m.height
	var b strings.Builder
	b.WriteString(m.th.Header.Render(theme.Row(widths, "NODE", "KIND", "VIA", "STATE", "VERSION", "PROCS", "MEMORY", "UPTIME", "RTT")))
	b.WriteByte('\n')
	v := m.visible()
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("  no nodes yet (epmd is polled; :connect NODE adds one)"))
		b.WriteByte('\n')
	}
	start := m.cur.Start(height - 3)
	for i := start; i < len(v) && i-start < height-3; i++ {
		r := v[i]
		state := string(r.State)
		if r.State == source.StateDown && !r.Since.IsZero() {
			state = "down " + theme.Duration(time.Since(r.Since).Truncate(time.Second))
		}
		procs := "-"
		if r.Procs > 0 {
			procs = fmt.Sprint(r.Procs)
		}
		line := theme.Row(widths, string(r.Name), r.Kind, r.Transport, state, r.Version, procs, theme.Bytes(r.Memory), theme.Duration(r.Uptime), theme.Duration(r.RTT))
		line = theme.Cell(line, width)
		switch {
		case i == m.cur.Pos:
			line = m.th.Selected.Render(line)
		case r.State == source.StateDown:
			line = m.th.Bad.Render(line)
		case r.State == source.StateSeen || r.State == source.StateUnreachable:
			line = m.th.Dim.Render(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if m.err != nil {
		b.WriteString(m.th.Bad.Render("poll: " + m.err.Error()))
		b.WriteByte('\n')
	} else if r, ok := m.Selected(); ok && r.Err != "" {
		b.WriteString(m.th.Warn.Render(theme.Cell(string(r.Name)+": "+r.Err, width)))
		b.WriteByte('\n')
	}
	return b.String()
}
