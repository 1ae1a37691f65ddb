package nodeview

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// The process table: totals and their change over the refresh
// interval (observe.Rates, as avmsh top), sortable by any column,
// filterable, with details and actions.

func (m *Model) visible() []observe.ProcRate {
	if m.filter == "" {
		return m.rows
	}
	var out []observe.ProcRate
	for _, p := range m.rows {
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
		return v[m.cur.Pos].Proc, true
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

// sortColumns are the table's sortable columns, left to right (< and >
// move along them).
var sortColumns = []observe.SortKey{observe.SortName, observe.SortMemory, observe.SortMemoryDelta,
	observe.SortMsgQ, observe.SortMsgQGrowth, observe.SortReds, observe.SortRedsRate}

// procKey handles a key of the process table.
func (m *Model) procKey(msg tea.KeyMsg) tea.Cmd {
	if m.cur.Move(msg, len(m.visible()), 10) {
		return nil
	}
	k := m.keys
	sorts := []struct {
		b   key.Binding
		key observe.SortKey
	}{
		{k.sortMem, observe.SortMemory}, {k.sortMemDelta, observe.SortMemoryDelta}, {k.sortQueue, observe.SortMsgQ},
		{k.sortQueueGrowth, observe.SortMsgQGrowth}, {k.sortReds, observe.SortReds}, {k.sortRedsRate, observe.SortRedsRate},
		{k.sortName, observe.SortName},
	}
	for _, s := range sorts {
		if key.Matches(msg, s.b) {
			m.resort(s.key)
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.sortNext, k.sortPrev):
		step := 1
		if key.Matches(msg, k.sortPrev) {
			step = len(sortColumns) - 1
		}
		i := slices.Index(sortColumns, m.sortBy)
		m.resort(sortColumns[(max(i, 0)+step)%len(sortColumns)])
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
func (m *Model) resort(col observe.SortKey) {
	sel, ok := m.Selected()
	m.sortBy = col
	observe.SortRates(m.rows, effectiveKey(col, m.window.Fields, m.hasRates))
	if ok {
		for i, p := range m.visible() {
			if p.Pid == sel.Pid {
				m.cur.Pos = i
			}
		}
	}
}

var procWidths = []int{12, 20, 10, 9, 6, 5, 11, 9}

// procHeader is the table's header, the sort column marked.
func (m *Model) procHeader() string {
	head := []string{"PID", "NAME", "MEMORY", "+MEM", "MSGQ", "+MQ", "REDS", "REDS/S", "CURRENT FUNCTION"}
	cols := []observe.SortKey{observe.SortPid, observe.SortName, observe.SortMemory, observe.SortMemoryDelta,
		observe.SortMsgQ, observe.SortMsgQGrowth, observe.SortReds, observe.SortRedsRate, ""}
	by := effectiveKey(m.sortBy, m.window.Fields, m.hasRates)
	for i, c := range cols {
		if c == by {
			if c == observe.SortName || c == observe.SortPid {
				head[i] += "▲"
			} else {
				head[i] += "▼"
			}
		}
	}
	return theme.Row(procWidths, head...)
}

// procTable renders the process table in rows lines (header and
// footer included).
func (m *Model) procTable(b *strings.Builder, width, rows int) {
	if m.confirm != nil {
		b.WriteString(m.th.Warn.Render("exit("+syntax.Write(*m.confirm, syntax.Options{})+", kill)? y/n") + "\n")
		rows--
	}
	b.WriteString(m.th.Header.Render(m.procHeader()) + "\n")
	v := m.visible()
	rows -= 2
	start := m.cur.Start(rows)
	reds := m.window.Fields.Has(observe.FieldReductions)
	for i := start; i < len(v) && i-start < rows; i++ {
		p := v[i]
		name := p.Name
		if p.New && m.hasRates {
			name = "+" + name // started during the interval
		}
		r, rr, memD, mqD, cur := "-", "-", "-", "-", p.Current
		if reds {
			r = fmt.Sprint(p.Reductions)
		}
		if m.hasRates {
			memD, mqD = signedBytes(p.MemDelta), signed(p.MsgQGrowth)
			if reds {
				rr = fmt.Sprintf("%.0f", p.RedsRate)
			}
		}
		if cur == "" {
			cur = "-"
		}
		line := theme.Cell(theme.Row(procWidths, m.pidText(p.Pid), name, theme.Bytes(p.Memory), memD,
			fmt.Sprint(p.MsgQ), mqD, r, rr, cur), width)
		switch {
		case i == m.cur.Pos:
			line = m.th.Selected.Render(line)
		case p.MsgQ > 1000 || p.MsgQGrowth > 100:
			line = m.th.Warn.Render(line)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(m.th.Dim.Render(m.procFooter(len(v))) + "\n")
}

// procFooter counts the processes and says what the rates cover.
func (m *Model) procFooter(shown int) string {
	s := fmt.Sprintf("%d processes (%d shown)", len(m.rows), shown)
	switch {
	case m.table == nil:
	case !m.hasRates:
		s += "; rates (+MEM, +MQ, REDS/S) from the next refresh"
	default:
		s += fmt.Sprintf("; rates over %s: %d appeared, %d exited", theme.Duration(m.window.Interval.Round(time.Millisecond)),
			m.window.Appeared, m.window.Exited)
	}
	if !m.window.Fields.Has(observe.FieldReductions) && m.table != nil {
		s += "; no reductions reported: R and r sort by +MEM"
	}
	return s
}

// signed prints a change with its sign ("+25", "-3", "0").
func signed(n int64) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

// signedBytes prints a memory change with its sign.
func signedBytes(n int64) string {
	switch {
	case n > 0:
		return "+" + theme.Bytes(n)
	case n < 0:
		return "-" + theme.Bytes(-n)
	}
	return "0"
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
