package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/term"
)

// RowsMsg carries a cluster poll's result.
type RowsMsg struct {
	Rows []source.NodeRow
	Err  error
}

// OpenMsg asks the app to open the node view for Node.
type OpenMsg struct{ Node term.Atom }

// StatusMsg is a line for the app's status bar.
type StatusMsg string

// Model is the cluster view.
type Model struct {
	src     source.Source
	th      theme.Theme
	rows    []source.NodeRow
	cursor  int
	filter  string
	err     error
	polled  time.Time
	timeout time.Duration
}

// New returns the view.
func New(src source.Source, th theme.Theme) Model {
	return Model{src: src, th: th, timeout: 5 * time.Second}
}

// Poll fetches the cluster (one request per node, in parallel, bounded).
func (m Model) Poll() tea.Cmd {
	src, timeout := m.src, m.timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		rows, err := src.Cluster(ctx)
		return RowsMsg{Rows: rows, Err: err}
	}
}

// SetFilter keeps only nodes whose name contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cursor = 0 }

// Selected is the node under the cursor.
func (m Model) Selected() (source.NodeRow, bool) {
	v := m.visible()
	if m.cursor < len(v) {
		return v[m.cursor], true
	}
	return source.NodeRow{}, false
}

func (m Model) visible() []source.NodeRow {
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
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case RowsMsg:
		m.rows, m.err, m.polled = msg.Rows, msg.Err, time.Now()
		if n := len(m.visible()); m.cursor >= n && n > 0 {
			m.cursor = n - 1
		}
	case tea.KeyMsg:
		n := len(m.visible())
		switch msg.String() {
		case "up", "k":
			if m.cursor > 0 {
				m.cursor--
			}
		case "down", "j":
			if m.cursor < n-1 {
				m.cursor++
			}
		case "home", "g":
			m.cursor = 0
		case "end", "G":
			m.cursor = max(n-1, 0)
		case "enter":
			if r, ok := m.Selected(); ok {
				if r.State == source.StateSeen && r.Transport == "serial" {
					// A board not connected yet: connect over its port,
					// learn its name, then open it.
					src := m.src
					return m, func() tea.Msg {
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						defer cancel()
						n, err := src.Connect(ctx, string(r.Name))
						if err != nil {
							return StatusMsg(fmt.Sprintf("connect %s: %v", r.Name, err))
						}
						return OpenMsg{Node: n}
					}
				}
				return m, func() tea.Msg { return OpenMsg{Node: r.Name} }
			}
		case "c":
			if r, ok := m.Selected(); ok {
				src := m.src
				return m, func() tea.Msg {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if _, err := src.Connect(ctx, string(r.Name)); err != nil {
						return StatusMsg(fmt.Sprintf("connect %s: %v", r.Name, err))
					}
					return StatusMsg("connected to " + string(r.Name))
				}
			}
		case "d":
			if r, ok := m.Selected(); ok {
				src := m.src
				return m, func() tea.Msg {
					if err := src.Disconnect(r.Name); err != nil {
						return StatusMsg(err.Error())
					}
					return StatusMsg("disconnected from " + string(r.Name))
				}
			}
		}
	}
	return m, nil
}

var widths = []int{32, 7, 6, 10, 13, 7, 10, 9, 8}

// View renders the table in width × height.
func (m Model) View(width, height int) string {
	var b strings.Builder
	b.WriteString(m.th.Header.Render(theme.Row(widths, "NODE", "KIND", "VIA", "STATE", "VERSION", "PROCS", "MEMORY", "UPTIME", "RTT")))
	b.WriteByte('\n')
	v := m.visible()
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("  no nodes yet (epmd is polled; :connect NODE adds one)"))
		b.WriteByte('\n')
	}
	start := 0
	if rows := height - 3; rows > 0 && m.cursor >= rows {
		start = m.cursor - rows + 1
	}
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
		case i == m.cursor:
			line = m.th.Selected.Render(line)
		case r.State == source.StateDown:
			line = m.th.Bad.Render(line)
		case r.State == source.StateSeen:
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

// Keys is the view's key help.
func Keys() [][2]string {
	return [][2]string{{"↑/↓ j/k", "select"}, {"enter", "open the node (a board: connect over its port first)"}, {"c", "connect"}, {"d", "disconnect"}}
}
