package nodeview

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

// The process table: sortable, filterable, with details and actions.

func (m *Model) visible() []source.Proc {
	if m.filter == "" {
		return m.procs
	}
	var out []source.Proc
	for _, p := range m.procs {
		if strings.Contains(p.Name, m.filter) || strings.Contains(p.Current, m.filter) ||
			strings.Contains(syntax.Write(p.Pid, syntax.Options{}), m.filter) {
			out = append(out, p)
		}
	}
	return out
}

// Selected is the process under the cursor.
func (m *Model) Selected() (source.Proc, bool) {
	v := m.visible()
	if m.cur.Pos < len(v) {
		return v[m.cur.Pos], true
	}
	return source.Proc{}, false
}

// confirmKey answers the exit question.
func (m *Model) confirmKey(msg tea.KeyMsg) tea.Cmd {
	pid := *m.confirm
	m.confirm = nil
	if msg.String() != "y" {
		return view.Status("exit cancelled")
	}
	src := m.src
	return func() tea.Msg {
		if err := src.Exit(context.Background(), pid, term.Atom("kill")); err != nil {
			return view.StatusMsg("exit: " + err.Error())
		}
		return view.StatusMsg("sent exit(kill) to " + syntax.Write(pid, syntax.Options{}))
	}
}

// procKey handles a key of the process table.
func (m *Model) procKey(msg tea.KeyMsg) tea.Cmd {
	if m.cur.Move(msg, len(m.visible()), 10) {
		return nil
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.sortMem):
		m.resort("memory")
	case key.Matches(msg, k.sortQueue):
		m.resort("msgq")
	case key.Matches(msg, k.sortReds):
		m.resort("reductions")
	case key.Matches(msg, k.sortName):
		m.resort("name")
	case key.Matches(msg, k.details):
		if p, ok := m.Selected(); ok {
			src := m.src
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				d, err := src.Process(ctx, p.Pid)
				return DetailMsg{Detail: d, Err: err}
			}
		}
	case key.Matches(msg, k.exit):
		if p, ok := m.Selected(); ok {
			pid := p.Pid
			m.confirm = &pid
		}
	case key.Matches(msg, k.monitor):
		if p, ok := m.Selected(); ok {
			src := m.src
			return func() tea.Msg {
				if err := src.Monitor(context.Background(), p.Pid); err != nil {
					return view.StatusMsg("monitor: " + err.Error())
				}
				return view.StatusMsg("monitoring " + syntax.Write(p.Pid, syntax.Options{}) + " (see Monitors)")
			}
		}
	}
	return nil
}

// exitCommand is ":exit PID [REASON]".
func (m *Model) exitCommand(args string) tea.Cmd {
	parts := strings.SplitN(args, " ", 2)
	t, err := view.ParseTerm(parts[0], m.local)
	pid, ok := t.(term.Pid)
	if err != nil || !ok {
		return view.Status("usage: exit PID [REASON]")
	}
	var reason term.Term = term.Atom("kill")
	if len(parts) == 2 {
		if reason, err = view.ParseTerm(parts[1], m.local); err != nil {
			return view.Status("exit: " + err.Error())
		}
	}
	src := m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := src.Exit(ctx, pid, reason); err != nil {
			return view.StatusMsg("exit: " + err.Error())
		}
		return view.StatusMsg("exit signal sent")
	}
}

// resort sorts by col, keeping the cursor on the same process.
func (m *Model) resort(col string) {
	sel, ok := m.Selected()
	m.sortBy = col
	source.SortProcs(m.procs, col)
	if ok {
		for i, p := range m.visible() {
			if p.Pid == sel.Pid {
				m.cur.Pos = i
			}
		}
	}
}

var procWidths = []int{14, 26, 10, 6, 11, 34}

// procTable renders the process table in rows lines (header and
// footer included).
func (m *Model) procTable(b *strings.Builder, width, rows int) {
	if m.confirm != nil {
		b.WriteString(m.th.Warn.Render("exit("+syntax.Write(*m.confirm, syntax.Options{})+", kill)? y/n") + "\n")
		rows--
	}
	arrow := map[string]string{"memory": "MEMORY▼", "msgq": "MSGQ▼", "reductions": "REDUCTIONS▼", "name": "NAME▲"}
	head := []string{"PID", "NAME", "MEMORY", "MSGQ", "REDUCTIONS", "CURRENT FUNCTION"}
	for i, c := range []string{"", "name", "memory", "msgq", "reductions", ""} {
		if c == m.sortBy {
			head[i] = arrow[c]
		}
	}
	b.WriteString(m.th.Header.Render(theme.Row(procWidths, head...)) + "\n")
	v := m.visible()
	rows -= 2
	start := m.cur.Start(rows)
	for i := start; i < len(v) && i-start < rows; i++ {
		p := v[i]
		line := theme.Cell(theme.Row(procWidths, m.pidText(p.Pid), p.Name, theme.Bytes(p.Memory),
			fmt.Sprint(p.MsgQ), fmt.Sprint(p.Reductions), p.Current), width)
		if i == m.cur.Pos {
			line = m.th.Selected.Render(line)
		} else if p.MsgQ > 1000 {
			line = m.th.Warn.Render(line)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(m.th.Dim.Render(fmt.Sprintf("%d processes (%d shown)", len(m.procs), len(v))) + "\n")
}

func (m *Model) detailView(width, height int) string {
	d := m.detail
	var b strings.Builder
	b.WriteString(m.th.Header.Render("process "+m.pidText(d.Pid)) + m.th.Dim.Render("  (esc: back)") + "\n")
	for _, it := range d.Info {
		kv, ok := it.(term.Tuple)
		if !ok || len(kv) != 2 {
			continue
		}
		v := syntax.Write(kv[1], syntax.Options{Encoding: syntax.Unicode, Node: syntax.NodeContext{Local: m.node}})
		b.WriteString(theme.Cell(fmt.Sprintf("  %-20s %s", syntax.Write(kv[0], syntax.Options{}), v), width) + "\n")
	}
	return theme.Clip(b.String(), width, height)
}

// pidText prints a pid as the viewed node does (<0.X.Y> for its own).
func (m *Model) pidText(p term.Pid) string {
	return syntax.Write(p, syntax.Options{Node: syntax.NodeContext{Local: m.node}})
}
