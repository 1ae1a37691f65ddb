package app

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/cluster"
	"github.com/avmsh/avmsh/tui/devices"
	"github.com/avmsh/avmsh/tui/lineinput"
	"github.com/avmsh/avmsh/tui/monitors"
	"github.com/avmsh/avmsh/tui/nodeview"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// Options configure the app.
type Options struct {
	// Refresh is the polling interval (default 2 s).
	Refresh time.Duration
	// Theme are the styles.
	Theme theme.Theme
	// Terminal carries the output and input requests of the group
	// leaders whose I/O the shell pane shows (nil: the pane's own).
	Terminal *shellpane.Terminal
	// Views are the tabs, in order (nil: DefaultViews). A view is added
	// by implementing view.View and putting it here.
	Views []view.View
	// Done, closed when the dashboard has ended, ends the refresh timer
	// still waiting (nil: it runs out on its own).
	Done <-chan struct{}
}

// DefaultViews are the dashboard's views on src: Cluster, Node,
// Monitors, Devices, Shell.
func DefaultViews(src source.Source, th theme.Theme, t *shellpane.Terminal) []view.View {
	local := src.LocalName()
	return []view.View{
		cluster.New(src, th),
		nodeview.New(src, local, th),
		monitors.New(src, local, th),
		devices.New(src, th),
		shellpane.NewPane(src, th, t, local),
	}
}

type tickMsg struct{ seq int }

// polledMsg is a view's poll result, for that view only.
type polledMsg struct {
	view int
	msg  tea.Msg
}

// inputMode is what the bottom line is being typed into.
type inputMode int

const (
	modeNone inputMode = iota
	modePalette
	modeFilter
)

// Model is the root model. It routes every key through one path (key):
// the view on screen first when it captures the key (view.Capturer),
// then the global keys, then the view; every other message goes to
// every view.
type Model struct {
	local    term.Atom
	opts     Options
	th       theme.Theme
	keys     view.GlobalKeys
	help     help.Model
	views    []view.View
	cur      int
	history  []int // views shown before, for esc
	width    int
	height   int
	input    lineinput.Model
	mode     inputMode
	filters  []string
	showHelp bool
	helpTop  int
	status   string
	polling  []bool
	tickSeq  int
}

// New returns the root model on src with opts.Views (DefaultViews when
// nil).
func New(src source.Source, opts Options) Model {
	if opts.Refresh <= 0 {
		opts.Refresh = 2 * time.Second
	}
	if opts.Views == nil {
		opts.Views = DefaultViews(src, opts.Theme, opts.Terminal)
	}
	in := lineinput.New()
	in.Prompt = ""
	h := help.New()
	h.ShortSeparator = "  "
	h.Styles = help.Styles{ShortKey: opts.Theme.Help, ShortDesc: opts.Theme.Help, ShortSeparator: opts.Theme.Help,
		Ellipsis: opts.Theme.Help, FullKey: opts.Theme.Header.UnsetUnderline(), FullDesc: opts.Theme.Dim.UnsetFaint(), FullSeparator: opts.Theme.Dim}
	m := Model{
		local: src.LocalName(), opts: opts, th: opts.Theme, keys: view.Keys(), help: h,
		views: opts.Views, width: 100, height: 30, input: in,
		filters: make([]string, len(opts.Views)), polling: make([]bool, len(opts.Views)),
	}
	m.resize()
	return m
}

// Init starts the views, the first poll and the tick.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.poll(), m.tick()}
	for _, v := range m.views {
		cmds = append(cmds, v.Init())
	}
	return tea.Batch(cmds...)
}

// tick waits for the next refresh (tea.Tick, but ended by Options.Done).
func (m Model) tick() tea.Cmd {
	seq, d, done := m.tickSeq, m.opts.Refresh, m.opts.Done
	return func() tea.Msg {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return tickMsg{seq: seq}
		case <-done:
			return nil
		}
	}
}

// poll starts the poll of the view on screen unless one is running.
func (m *Model) poll() tea.Cmd {
	i := m.cur
	p, ok := m.views[i].(view.Poller)
	if !ok || m.polling[i] {
		return nil
	}
	cmd := p.Poll()
	if cmd == nil {
		return nil
	}
	m.polling[i] = true
	return func() tea.Msg { return polledMsg{view: i, msg: cmd()} }
}

// Current is the title of the view on screen (for tests).
func (m Model) Current() string { return m.views[m.cur].Title() }

// resize gives every view the body's size: the screen but the tab line
// and the status line (and one spare line).
func (m *Model) resize() {
	m.help.Width = m.width
	for _, v := range m.views {
		v.SetSize(m.width, max(m.height-3, 1))
	}
}

// switchTo shows view i.
func (m *Model) switchTo(i int) tea.Cmd {
	if i == m.cur || i < 0 || i >= len(m.views) {
		return nil
	}
	m.history = append(m.history, m.cur)
	if len(m.history) > 32 {
		m.history = m.history[1:]
	}
	return m.show(i)
}

func (m *Model) show(i int) tea.Cmd {
	if f, ok := m.views[m.cur].(view.Focuser); ok {
		f.Blur()
	}
	m.cur = i
	m.status = ""
	var focus tea.Cmd
	if f, ok := m.views[i].(view.Focuser); ok {
		focus = f.Focus()
	}
	return tea.Batch(m.poll(), focus)
}

// back shows the view shown before (the first view when none).
func (m *Model) back() tea.Cmd {
	if n := len(m.history); n > 0 {
		i := m.history[n-1]
		m.history = m.history[:n-1]
		return m.show(i)
	}
	if m.cur != 0 {
		return m.show(0)
	}
	return nil
}

// viewTitled is the index of the view titled t (case-insensitive), or -1.
func (m Model) viewTitled(t string) int {
	for i, v := range m.views {
		if strings.EqualFold(v.Title(), t) {
			return i
		}
	}
	return -1
}

// Update is the root update.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case tickMsg:
		if msg.seq != m.tickSeq {
			return m, nil
		}
		return m, tea.Batch(m.poll(), m.tick())
	case polledMsg:
		m.polling[msg.view] = false
		if msg.msg == nil {
			return m, nil
		}
		return m, m.views[msg.view].Update(msg.msg)
	case view.StatusMsg:
		m.status = string(msg)
		return m, nil
	case view.ShowMsg:
		return m, m.switchTo(m.viewTitled(msg.Title))
	case view.RefreshMsg:
		m.polling[m.cur] = false
		return m, m.poll()
	case view.NodeMsg:
		cmd := m.broadcast(msg)
		if i := m.viewTitled(msg.Show); i >= 0 {
			m.polling[i] = false // a poll of the previous node may be running
			if i == m.cur {
				return m, tea.Batch(cmd, m.poll())
			}
			return m, tea.Batch(cmd, m.switchTo(i))
		}
		return m, cmd
	case tea.KeyMsg:
		return m.key(msg)
	case testMsg: // only sent by tests (export_test.go)
		return msg.apply(m), nil
	}
	return m, m.broadcast(msg)
}

// broadcast gives msg to every view.
func (m Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, v := range m.views {
		if cmd := v.Update(msg); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// testMsg lets tests in export_test.go reach into the model.
type testMsg interface{ apply(Model) Model }

// key is the one path every key takes.
func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.mode != modeNone {
		return m.inputKey(msg)
	}
	if m.showHelp {
		return m.helpKey(msg), nil
	}
	v := m.views[m.cur]
	if c, ok := v.(view.Capturer); ok && c.Captures(msg) {
		return m, v.Update(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Next):
		return m, m.switchTo((m.cur + 1) % len(m.views))
	case key.Matches(msg, k.Prev):
		return m, m.switchTo((m.cur + len(m.views) - 1) % len(m.views))
	case key.Matches(msg, k.Goto):
		return m, m.switchTo(int(msg.String()[0] - '1'))
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpTop = true, 0
		return m, nil
	case key.Matches(msg, k.Palette):
		m.openInput(modePalette, "")
		return m, nil
	case key.Matches(msg, k.Filter):
		m.openInput(modeFilter, m.filters[m.cur])
		return m, nil
	case key.Matches(msg, k.Back):
		if m.filters[m.cur] != "" {
			m.setFilter("")
			return m, nil
		}
		return m, m.back()
	}
	return m, v.Update(msg)
}

func (m *Model) openInput(mode inputMode, value string) {
	m.mode = mode
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.input.Focus()
}

// inputKey types into the palette or the filter.
func (m Model) inputKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		if m.mode == modeFilter {
			m.setFilter("")
		}
		m.mode = modeNone
		m.input.Blur()
		return m, nil
	case "enter":
		text := strings.TrimSpace(m.input.Value())
		mode := m.mode
		m.mode = modeNone
		m.input.Blur()
		if mode == modeFilter {
			m.setFilter(text)
			return m, nil
		}
		return m.command(text)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.setFilter(m.input.Value())
	}
	return m, cmd
}

// setFilter sets the filter of the view on screen.
func (m *Model) setFilter(f string) {
	m.filters[m.cur] = f
	m.views[m.cur].SetFilter(f)
}
