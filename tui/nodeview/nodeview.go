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

// Source is what the node view reads and does.
type Source interface {
	source.Inspector
	source.Signals
}

// DataMsg carries one poll of the node.
type DataMsg struct {
	Node     term.Atom
	Overview source.Overview
	Procs    []source.Proc
	Err      error
}

// DetailMsg carries an opened process.
type DetailMsg struct {
	Detail source.ProcDetail
	Err    error
}

// Model is the node view.
type Model struct {
	src     Source
	th      theme.Theme
	local   term.Atom // the dashboard's node (pids typed in commands)
	width   int
	height  int
	keys    keyMap
	node    term.Atom
	ov      source.Overview
	procs   []source.Proc
	history []int64 // total memory, one sample per poll
	sortBy  string
	filter  string
	cur     view.Cursor
	err     error
	detail  *source.ProcDetail
	confirm *term.Pid // exit awaiting y/n
}

// New returns the view; local is the dashboard's own node.
func New(src Source, local term.Atom, th theme.Theme) *Model {
	return &Model{src: src, th: th, local: local, sortBy: "memory", width: 100, height: 27, keys: newKeys()}
}

type keyMap struct {
	sortMem, sortQueue, sortReds, sortName, details, monitor, exit, close key.Binding
}

func newKeys() keyMap {
	return keyMap{
		sortMem:   key.NewBinding(key.WithKeys("m", "M"), key.WithHelp("m", "sort by memory")),
		sortQueue: key.NewBinding(key.WithKeys("Q"), key.WithHelp("Q", "sort by message queue")), // q quits, as everywhere
		sortReds:  key.NewBinding(key.WithKeys("r", "R"), key.WithHelp("r", "sort by reductions")),
		sortName:  key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "sort by name")),
		details:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "process details (esc: back)")),
		monitor:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "monitor the process (DOWN in Monitors)")),
		exit:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "exit(Pid, kill), after y/n")),
		close:     key.NewBinding(key.WithKeys("esc", "enter", "backspace")),
	}
}

// Title is the tab's label.
func (m *Model) Title() string { return "Node" }

// Init starts nothing: the app polls.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status is empty: the header says which node is shown.
func (m *Model) Status() string { return "" }

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	k := m.keys
	return append(view.NavKeys(), k.sortMem, k.sortQueue, k.sortReds, k.sortName, k.details, k.monitor, k.exit)
}

// Commands are the palette's process commands.
func (m *Model) Commands() []view.Command {
	return []view.Command{{Name: "exit", Args: "PID [REASON]", Help: "send an exit signal (default kill)", Run: m.exitCommand}}
}

// Captures takes every key but ctrl+c (quit) while a y/n question is
// asked, and the keys that close the process details while they are
// open.
func (m *Model) Captures(msg tea.KeyMsg) bool {
	return (m.confirm != nil && msg.Type != tea.KeyCtrlC) || (m.detail != nil && key.Matches(msg, m.keys.close))
}

// Node is the node shown.
func (m *Model) Node() term.Atom { return m.node }

// SetNode switches to another node.
func (m *Model) SetNode(n term.Atom) {
	if n != m.node {
		*m = Model{src: m.src, th: m.th, local: m.local, width: m.width, height: m.height, keys: m.keys,
			sortBy: m.sortBy, filter: m.filter, node: n}
	}
}

// SetFilter keeps processes whose name, pid or function contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0 }

// Poll fetches the overview and the process table (two requests).
func (m *Model) Poll() tea.Cmd {
	if m.node == "" {
		return nil
	}
	src, n := m.src, m.node
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ov, err := src.Overview(ctx, n)
		if err != nil {
			return DataMsg{Node: n, Err: err}
		}
		procs, err := src.Processes(ctx, n)
		return DataMsg{Node: n, Overview: ov, Procs: procs, Err: err}
	}
}

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

// Update handles keys, poll results and the node picked elsewhere.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case view.NodeMsg:
		m.SetNode(msg.Node)
	case DataMsg:
		if msg.Node != m.node {
			return nil
		}
		m.err = msg.Err
		if msg.Err == nil {
			m.ov, m.procs = msg.Overview, msg.Procs
			source.SortProcs(m.procs, m.sortBy)
			m.history = append(m.history, msg.Overview.Memory["total"])
			if len(m.history) > 60 {
				m.history = m.history[len(m.history)-60:]
			}
		}
		m.cur.Clamp(len(m.visible()))
	case DetailMsg:
		if msg.Err != nil {
			return view.Status(msg.Err.Error())
		}
		d := msg.Detail
		m.detail = &d
	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.confirm != nil {
		pid := *m.confirm
		m.confirm = nil
		if msg.String() == "y" {
			src := m.src
			return func() tea.Msg {
				if err := src.Exit(context.Background(), pid, term.Atom("kill")); err != nil {
					return view.StatusMsg("exit: " + err.Error())
				}
				return view.StatusMsg("sent exit(kill) to " + syntax.Write(pid, syntax.Options{}))
			}
		}
		return view.Status("exit cancelled")
	}
	if m.detail != nil {
		if key.Matches(msg, m.keys.close) {
			m.detail = nil
		}
		return nil
	}
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

// View renders the node view.
func (m *Model) View() string {
	width, height := m.width, m.height
	if m.node == "" {
		return m.th.Dim.Render("no node selected: pick one in the Cluster view (1) and press enter")
	}
	var b strings.Builder
	b.WriteString(m.th.Title.Render(string(m.node)) + "  " + m.ov.Version + "  " + m.th.Dim.Render("up "+theme.Duration(m.ov.Uptime)+", rtt "+theme.Duration(m.ov.RTT)) + "\n")
	if m.err != nil {
		b.WriteString(m.th.Bad.Render(theme.Cell("poll: "+m.err.Error(), width)) + "\n")
	}
	b.WriteString(m.memoryLine(width) + "\n")
	b.WriteString(m.countsLine() + "\n")
	if m.detail != nil {
		b.WriteString(m.detailView(width, height-4))
		return b.String()
	}
	if m.confirm != nil {
		b.WriteString(m.th.Warn.Render("exit("+syntax.Write(*m.confirm, syntax.Options{})+", kill)? y/n") + "\n")
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
	rows := height - 6
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
	return b.String()
}

// memoryLine is the memory breakdown with a sparkline of the total.
func (m *Model) memoryLine(width int) string {
	keys := []string{"total", "processes", "binary", "ets", "atom", "code", "system", "esp_free_heap"}
	var parts []string
	for _, k := range keys {
		if v, ok := m.ov.Memory[k]; ok {
			parts = append(parts, k+" "+theme.Bytes(v))
		}
	}
	line := "memory: " + strings.Join(parts, "  ")
	return theme.Cell(line+"  "+Sparkline(m.history, 30), width)
}

func (m *Model) countsLine() string {
	var parts []string
	add := func(name string, n, limit int64) {
		switch {
		case limit > 0:
			parts = append(parts, fmt.Sprintf("%s %d/%d", name, n, limit))
		case n > 0:
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	add("processes", m.ov.ProcCount, m.ov.ProcLimit)
	add("atoms", m.ov.AtomCount, m.ov.AtomLimit)
	add("ports", m.ov.PortCount, m.ov.PortLimit)
	if m.ov.Schedulers > 0 {
		parts = append(parts, fmt.Sprintf("schedulers %d, run queue %d", m.ov.Schedulers, m.ov.RunQueue))
	}
	if len(m.ov.Unsupported) > 0 {
		parts = append(parts, m.th.Dim.Render("(not reported: "+strings.Join(m.ov.Unsupported, ", ")+")"))
	}
	return strings.Join(parts, "   ")
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

// Sparkline draws values as a line of block characters.
func Sparkline(vals []int64, width int) string {
	if len(vals) == 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	bars := []rune("▁▂▃▄▅▆▇█")
	out := make([]rune, len(vals))
	for i, v := range vals {
		k := 0
		if hi > lo {
			k = int((v - lo) * int64(len(bars)-1) / (hi - lo))
		}
		out[i] = bars[k]
	}
	return string(out)
}
