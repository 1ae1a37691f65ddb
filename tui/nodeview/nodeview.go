package nodeview

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/pathprompt"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// Source is what the node view reads and does.
type Source interface {
	source.Inspector
	source.Signals
	source.Code
}

// Pane is the table the node view shows under its header.
type Pane int

// The panes.
const (
	Processes Pane = iota
	Modules
)

// DataMsg carries one poll of the node: the overview and the table of
// the pane on screen (Procs or Modules).
type DataMsg struct {
	Node     term.Atom
	Pane     Pane
	Overview source.Overview
	Procs    []source.Proc
	Modules  source.ModuleList
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
	pane    Pane
	ov      source.Overview
	history []int64 // total memory, one sample per poll
	filter  string
	err     error

	// The process table.
	procs   []source.Proc
	sortBy  string
	cur     view.Cursor
	detail  *source.ProcDetail
	confirm *term.Pid // exit awaiting y/n

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
	return &Model{src: src, th: th, local: local, sortBy: "memory", width: 100, height: 27, keys: newKeys(),
		paths: map[string]string{}}
}

type keyMap struct {
	sortMem, sortQueue, sortReds, sortName, details, monitor, exit, close key.Binding
	procs, mods, reload, scroll                                           key.Binding
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
		procs:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "show the process table")),
		mods:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "show the module list (code:all_loaded/0)")),
		reload:    key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "module list: reload the module from a path (tab completes)")),
		scroll:    key.NewBinding(key.WithKeys("up", "down", "k", "j", "pgup", "pgdown")),
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
	return append(view.NavKeys(), k.procs, k.mods, k.sortMem, k.sortQueue, k.sortReds, k.sortName, k.details, k.monitor, k.exit, k.reload)
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

// SetNode switches to another node (the pane, the filter and the
// remembered paths stay).
func (m *Model) SetNode(n term.Atom) {
	if n != m.node {
		*m = Model{src: m.src, th: m.th, local: m.local, width: m.width, height: m.height, keys: m.keys,
			sortBy: m.sortBy, filter: m.filter, pane: m.pane, paths: m.paths, report: m.report, node: n}
	}
}

// SetFilter keeps the processes (name, pid or function) or modules
// (name or file) that contain f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0; m.modCur.Pos = 0 }

// Poll fetches the overview and the table on screen (two requests): the
// module list is asked for only while it is shown.
func (m *Model) Poll() tea.Cmd {
	if m.node == "" {
		return nil
	}
	src, n, pane := m.src, m.node, m.pane
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ov, err := src.Overview(ctx, n)
		if err != nil {
			return DataMsg{Node: n, Pane: pane, Err: err}
		}
		d := DataMsg{Node: n, Pane: pane, Overview: ov}
		if pane == Modules {
			d.Modules, d.Err = src.Modules(ctx, n)
		} else {
			d.Procs, d.Err = src.Processes(ctx, n)
		}
		return d
	}
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

// data takes one poll: the overview when it came (the table's request
// may have failed after it), the table when it came.
func (m *Model) data(msg DataMsg) {
	m.err = msg.Err
	if msg.Overview.Node != "" {
		m.ov = msg.Overview
		m.history = append(m.history, msg.Overview.Memory["total"])
		if len(m.history) > 60 {
			m.history = m.history[len(m.history)-60:]
		}
	}
	if msg.Err != nil {
		return
	}
	if msg.Pane == Modules {
		m.mods = msg.Modules
		m.modCur.Clamp(len(m.visibleModules()))
		return
	}
	m.procs = msg.Procs
	source.SortProcs(m.procs, m.sortBy)
	m.cur.Clamp(len(m.visible()))
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
	switch {
	case m.detail != nil:
		if key.Matches(msg, m.keys.close) {
			m.detail = nil
		}
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.procs) && m.pane != Processes:
		m.pane = Processes
		return view.Refresh()
	case key.Matches(msg, m.keys.mods) && m.pane != Modules:
		m.pane = Modules
		return view.Refresh()
	}
	if m.pane == Modules {
		return m.moduleKey(msg)
	}
	return m.procKey(msg)
}
