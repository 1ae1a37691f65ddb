package nodeview

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/tui/pathprompt"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// Source is what the node view reads and does.
type Source interface {
	source.Inspector // process details
	source.Observer  // the header and the pane on screen, one request
	source.Trends    // the leak watch's series
	source.Signals
	source.Code // loads
}

// Pane is the table the node view shows under its header.
type Pane int

// The panes, each one section of node/observe.
const (
	Processes Pane = iota
	Modules
	ETS
	Ports
	Dist
	Sched
	Apps
)

// panes are the panes in key order, with their section and label.
var panes = []struct {
	pane  Pane
	sec   observe.Section
	label string
}{
	{Processes, observe.SecProcs, "p processes"},
	{Modules, observe.SecModules, "c modules"},
	{ETS, observe.SecETS, "e ets"},
	{Ports, observe.SecPorts, "i ports"},
	{Dist, observe.SecDist, "d dist"},
	{Sched, observe.SecSched, "u schedulers"},
	{Apps, observe.SecApps, "a apps"},
}

func (p Pane) section() observe.Section { return panes[p].sec }

// DataMsg carries one poll of the node: the overview and the section of
// the pane on screen, read in one request, with the process table's
// rates over the interval (computed off the UI loop) and the leak
// watch's view of the node.
type DataMsg struct {
	Node term.Atom
	Pane Pane
	Snap source.Snapshot
	// Rates compares the process table with the previous one (Procs
	// pane); HasRates is false for the first table of a node.
	Rates    observe.Window
	HasRates bool
	// SortedBy is the column Rates.Rows were sorted by.
	SortedBy observe.SortKey
	Trend    source.Trend
	Err      error
}

// DetailMsg carries an opened process.
type DetailMsg struct {
	Detail source.ProcDetail
	Err    error
}

// Model is the node view.
type Model struct {
	src    Source
	th     theme.Theme
	local  term.Atom // the dashboard's node (pids typed in commands)
	width  int
	height int
	keys   keyMap
	node   term.Atom
	kind   string
	pane   Pane
	ov     source.Overview
	trend  source.Trend
	filter string
	err    error

	// The process table: rows with their rates over the interval.
	table    *observe.ProcTable // the last table, the next one's base
	rows     []observe.ProcRate
	window   observe.Window
	hasRates bool
	sortBy   observe.SortKey
	cur      view.Cursor
	detail   *source.ProcDetail
	confirm  *term.Pid // exit awaiting y/n

	// The other sections.
	sec    sections
	secCur view.Cursor

	// The module list.
	mods   source.ModuleList
	modCur view.Cursor
	prompt *pathprompt.Model // reload path being typed
	reload string            // the module it reloads
	paths  map[string]string // last path each module was loaded from (this session)
	report *report           // results of the last load, until closed
}

// New returns the view; local is the dashboard's own node.
func New(src Source, local term.Atom, th theme.Theme) *Model {
	return &Model{src: src, th: th, local: local, sortBy: observe.SortMemory, width: 100, height: 27, keys: newKeys(),
		paths: map[string]string{}}
}

type keyMap struct {
	sortMem, sortMemDelta, sortQueue, sortQueueGrowth, sortReds, sortRedsRate, sortName, sortNext, sortPrev key.Binding
	details, monitor, exit, close                                                                           key.Binding
	panes                                                                                                   []key.Binding
	reload, scroll                                                                                          key.Binding
}

func newKeys() keyMap {
	b := func(k, help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(append([]string{k}, keys...)...), key.WithHelp(k, help))
	}
	return keyMap{
		sortMem:         b("m", "processes: sort by memory"),
		sortMemDelta:    b("M", "sort by memory change over the interval (+MEM)"),
		sortQueue:       b("Q", "sort by message queue"), // q quits, as everywhere
		sortQueueGrowth: b("W", "sort by message queue growth over the interval (+MQ)"),
		sortReds:        b("r", "sort by reductions (total)"),
		sortRedsRate:    b("R", "sort by reductions per second (observer_cli's rr)"),
		sortName:        b("n", "sort by name", "N"),
		sortNext:        b(">", "sort by the next column", "."),
		sortPrev:        b("<", "sort by the previous column", ","),
		details:         b("enter", "process details (esc: back)"),
		monitor:         b("o", "monitor the process (DOWN in Monitors)"),
		exit:            b("x", "exit(Pid, kill), after y/n"),
		close:           key.NewBinding(key.WithKeys("esc", "enter", "backspace")),
		panes: []key.Binding{
			b("p", "show the process table"),
			b("c", "show the module list (code:all_loaded/0)"),
			b("e", "show the ETS tables (BEAM)"),
			b("i", "show the ports and sockets (BEAM)"),
			b("d", "show the distribution connections and their buffers (BEAM)"),
			b("u", "show the scheduler utilisation over the interval (BEAM)"),
			b("a", "show the applications and their supervision trees (BEAM)"),
		},
		reload: b("l", "module list: reload the module from a path (tab completes)"),
		scroll: key.NewBinding(key.WithKeys("up", "down", "k", "j", "pgup", "pgdown")),
	}
}

// Title is the tab's label.
func (m *Model) Title() string { return "Node" }

// Init starts nothing: the app polls.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status says what the reload prompt's keys do.
func (m *Model) Status() string {
	if m.prompt != nil {
		return "enter loads, tab completes, esc cancels"
	}
	return ""
}

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	k := m.keys
	out := append(view.NavKeys(), k.panes...)
	return append(out, k.sortMem, k.sortMemDelta, k.sortQueue, k.sortQueueGrowth, k.sortReds, k.sortRedsRate, k.sortName,
		k.sortNext, k.sortPrev, k.details, k.monitor, k.exit, k.reload)
}

// Commands are the palette's process and code commands.
func (m *Model) Commands() []view.Command {
	return []view.Command{
		{Name: "exit", Args: "PID [REASON]", Help: "send an exit signal (default kill)", Run: m.exitCommand},
		{Name: "load", Args: "[--purge] FILE|DIR...", Help: "load .beam files into the node of the Node view (as avmsh load)", Run: m.loadCommand},
	}
}

// Captures takes every key but ctrl+c (quit) while a y/n question is
// asked or a path is typed, and the keys that close (or scroll) the
// process details and the load results while they are open.
func (m *Model) Captures(msg tea.KeyMsg) bool {
	switch {
	case m.confirm != nil, m.prompt != nil:
		return msg.Type != tea.KeyCtrlC
	case m.report != nil:
		return key.Matches(msg, m.keys.close, m.keys.scroll)
	}
	return m.detail != nil && key.Matches(msg, m.keys.close)
}

// Node is the node shown.
func (m *Model) Node() term.Atom { return m.node }

// SetNode switches to another node (the pane, the sort, the filter and
// the remembered paths stay).
func (m *Model) SetNode(n term.Atom) {
	if n != m.node {
		*m = Model{src: m.src, th: m.th, local: m.local, width: m.width, height: m.height, keys: m.keys,
			sortBy: m.sortBy, filter: m.filter, pane: m.pane, paths: m.paths, report: m.report, node: n}
	}
}

// SetFilter keeps the rows of the pane that contain f (processes: name,
// pid or function; modules: name or file; other panes: any column).
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0; m.modCur.Pos = 0; m.secCur.Pos = 0 }

// Poll reads the overview and the pane on screen in one request (one
// erl_eval on BEAM; on AtomVM a section it cannot answer costs no
// call). The process table's rates against the previous table and their
// sort are computed here, off the UI loop.
func (m *Model) Poll() tea.Cmd {
	if m.node == "" {
		return nil
	}
	src, n, pane, base, key := m.src, m.node, m.pane, m.table, m.sortBy
	if base != nil && base.Node != n {
		base = nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := src.Observe(ctx, n, observe.SecOverview|pane.section())
		d := DataMsg{Node: n, Pane: pane, Snap: s, Err: err, Trend: src.Trend(n)}
		if s.Procs != nil {
			d.Rates, d.HasRates = rates(base, *s.Procs)
			d.SortedBy = effectiveKey(key, d.Rates.Fields, d.HasRates)
			observe.SortRates(d.Rates.Rows, d.SortedBy)
		}
		return d
	}
}

// rates compares a table with the one before it; the first table of a
// node has no rates (its rows carry the totals only). Exited processes
// are counted, not listed.
func rates(base *observe.ProcTable, cur observe.ProcTable) (observe.Window, bool) {
	if base == nil {
		w := observe.Window{Node: cur.Node, Fields: cur.Fields, Rows: make([]observe.ProcRate, len(cur.Procs))}
		for i, p := range cur.Procs {
			w.Rows[i].Proc = p
		}
		return w, false
	}
	w := observe.Rates(*base, cur)
	w.Rows = w.Rows[:len(w.Rows)-w.Exited] // the exited ones come last
	return w, true
}

// effectiveKey is the column the table sorts by: a rate needs two
// tables (until then its total), and a node that does not report
// reductions (AtomVM) sorts by memory change instead, as avmsh top does.
func effectiveKey(k observe.SortKey, fields observe.Fields, hasRates bool) observe.SortKey {
	if need := k.Needs(); need != 0 && !fields.Has(need) {
		k = observe.SortMemoryDelta
	}
	if k.IsRate() && !hasRates {
		switch k {
		case observe.SortRedsRate:
			return observe.SortReds
		case observe.SortMemoryDelta:
			return observe.SortMemory
		case observe.SortMsgQGrowth:
			return observe.SortMsgQ
		}
	}
	return k
}

// Update handles keys, poll results, load results and the node picked
// elsewhere.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case view.NodeMsg:
		m.SetNode(msg.Node)
	case DataMsg:
		if msg.Node != m.node {
			return nil
		}
		m.data(msg)
	case DetailMsg:
		if msg.Err != nil {
			return view.Status(msg.Err.Error())
		}
		d := msg.Detail
		m.detail = &d
	case LoadMsg:
		return m.loaded(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

// data takes one poll: the overview when it came (the section may have
// failed after it), the pane's section when it came.
func (m *Model) data(msg DataMsg) {
	s := msg.Snap
	m.err = msg.Err
	m.trend = msg.Trend
	if s.Kind != "" {
		m.kind = s.Kind
	}
	if s.Overview != nil {
		m.ov = *s.Overview
	}
	switch msg.Pane {
	case Modules:
		if l, err := source.ModulesOf(s, msg.Err); err == nil {
			m.mods = l
			m.modCur.Clamp(len(m.visibleModules()))
		} else {
			m.err = err
		}
	case Processes:
		if s.Procs != nil {
			t := *s.Procs
			m.table, m.window, m.hasRates = &t, msg.Rates, msg.HasRates
			m.rows = msg.Rates.Rows
			if k := effectiveKey(m.sortBy, m.window.Fields, m.hasRates); k != msg.SortedBy {
				observe.SortRates(m.rows, k) // the sort changed while the poll ran
			}
			m.cur.Clamp(len(m.visible()))
		}
	default:
		if msg.Err == nil { // a failed request keeps what was shown
			m.sec.take(msg.Pane, s)
			m.secCur.Clamp(len(m.sectionRows()))
		}
	}
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	switch {
	case m.confirm != nil:
		return m.confirmKey(msg)
	case m.prompt != nil:
		return m.promptKey(msg)
	case m.report != nil && key.Matches(msg, m.keys.close, m.keys.scroll):
		return m.reportKey(msg)
	case m.report != nil: // another key: back to the table, and the key acts
		m.report = nil
		return tea.Batch(view.Refresh(), m.key(msg))
	}
	if m.detail != nil {
		if key.Matches(msg, m.keys.close) {
			m.detail = nil
		}
		return nil
	}
	for i, b := range m.keys.panes {
		if key.Matches(msg, b) && m.pane != Pane(i) {
			m.pane = Pane(i)
			m.secCur.Pos = 0
			m.sec.reset()
			m.table = nil // rates cover the refresh interval, not the time away
			return view.Refresh()
		}
	}
	switch m.pane {
	case Modules:
		return m.moduleKey(msg)
	case Processes:
		return m.procKey(msg)
	}
	m.secCur.Move(msg, len(m.sectionRows()), 10)
	return nil
}
