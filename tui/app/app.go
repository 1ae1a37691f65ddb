package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/cluster"
	"github.com/avmsh/avmsh/tui/devices"
	"github.com/avmsh/avmsh/tui/monitors"
	"github.com/avmsh/avmsh/tui/nodeview"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
)

// View identifies a tab.
type View int

// The views, in tab order.
const (
	ViewCluster View = iota
	ViewNode
	ViewMonitors
	ViewDevices
	ViewShell
	numViews
)

var viewNames = []string{"Cluster", "Node", "Monitors", "Devices", "Shell"}

// Options configure the app.
type Options struct {
	// Refresh is the polling interval (default 2 s).
	Refresh time.Duration
	// Theme are the styles.
	Theme theme.Theme
	// Terminal carries the output and input requests of the group
	// leaders whose I/O the shell pane shows (nil: the pane's own).
	Terminal *shellpane.Terminal
}

type tickMsg struct{ seq int }

// inputMode is what the bottom line is being typed into.
type inputMode int

const (
	modeNone inputMode = iota
	modePalette
	modeFilter
)

// Model is the root model.
type Model struct {
	src      source.Source
	opts     Options
	th       theme.Theme
	view     View
	prev     View
	width    int
	height   int
	cluster  cluster.Model
	node     nodeview.Model
	monitors monitors.Model
	devices  devices.Model
	shell    shellpane.Model
	input    textinput.Model
	mode     inputMode
	filters  map[View]string
	help     bool
	status   string
	polling  map[View]bool
	tickSeq  int
}

// New returns the root model.
func New(src source.Source, opts Options) Model {
	if opts.Refresh <= 0 {
		opts.Refresh = 2 * time.Second
	}
	in := textinput.New()
	in.Prompt = ""
	m := Model{
		src: src, opts: opts, th: opts.Theme, width: 100, height: 30,
		cluster: cluster.New(src, opts.Theme), node: nodeview.New(src, opts.Theme),
		monitors: monitors.New(opts.Theme), devices: devices.New(src, opts.Theme), shell: shellpane.New(src, opts.Theme, opts.Terminal),
		input: in, filters: map[View]string{}, polling: map[View]bool{},
	}
	m.shell.SetNode(src.LocalName())
	return m
}

// Init starts the first poll, the tick and the event stream.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.poll(), m.tick(), monitors.Wait(m.src), m.shell.Listen())
}

func (m Model) tick() tea.Cmd {
	seq := m.tickSeq
	return tea.Tick(m.opts.Refresh, func(time.Time) tea.Msg { return tickMsg{seq: seq} })
}

// poll starts the poll of the view on screen unless one is running.
func (m *Model) poll() tea.Cmd {
	if m.polling[m.view] {
		return nil
	}
	var cmd tea.Cmd
	switch m.view {
	case ViewCluster:
		cmd = m.cluster.Poll()
	case ViewNode:
		cmd = m.node.Poll()
	case ViewDevices:
		cmd = m.devices.Poll()
	}
	if cmd == nil {
		return nil
	}
	m.polling[m.view] = true
	return cmd
}

// Current is the view on screen (for tests).
func (m Model) Current() View { return m.view }

func (m *Model) switchTo(v View) tea.Cmd {
	if v == m.view {
		return nil
	}
	m.prev, m.view = m.view, v
	m.status = ""
	if v == ViewShell {
		return tea.Batch(m.poll(), m.shell.Activate())
	}
	return m.poll()
}

// Update is the root update.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tickMsg:
		if msg.seq != m.tickSeq {
			return m, nil
		}
		return m, tea.Batch(m.poll(), m.tick())
	case cluster.RowsMsg:
		m.polling[ViewCluster] = false
		m.cluster, _ = m.cluster.Update(msg)
		return m, nil
	case nodeview.DataMsg:
		m.polling[ViewNode] = false
		m.node, _ = m.node.Update(msg)
		return m, nil
	case devices.ListMsg:
		m.polling[ViewDevices] = false
		m.devices, _ = m.devices.Update(msg)
		return m, nil
	case monitors.EventMsg:
		m.monitors, _ = m.monitors.Update(msg)
		return m, monitors.Wait(m.src)
	case cluster.OpenMsg:
		m.node.SetNode(msg.Node)
		m.shell.SetNode(msg.Node)
		m.polling[ViewNode] = false
		return m, m.switchTo(ViewNode)
	case cluster.StatusMsg:
		m.status = string(msg)
		m.polling[ViewCluster] = false
		return m, m.poll()
	case nodeview.StatusMsg:
		m.status = string(msg)
		return m, nil
	case devices.StatusMsg:
		m.status = string(msg)
		return m, nil
	case statusMsg:
		m.status = string(msg)
		return m, nil
	case nodeview.DetailMsg:
		var cmd tea.Cmd
		m.node, cmd = m.node.Update(msg)
		return m, cmd
	case shellpane.ResultMsg, shellpane.OutputMsg, shellpane.TermMsg, shellpane.ShellStartedMsg, shellpane.ShellEndedMsg:
		var cmd tea.Cmd
		m.shell, cmd = m.shell.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		return m.key(msg)
	case testMsg: // only sent by tests (export_test.go)
		return msg.apply(m), nil
	}
	var cmd tea.Cmd
	if m.view == ViewShell {
		m.shell, cmd = m.shell.Update(msg)
	}
	cmds = append(cmds, cmd)
	return m, tea.Batch(cmds...)
}

type statusMsg string

// testMsg lets tests in export_test.go reach into the model.
type testMsg interface{ apply(Model) Model }

func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := msg.String()
	if m.mode != modeNone {
		switch k {
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
	if m.help {
		m.help = false
		return m, nil
	}
	if k == "ctrl+c" && m.view != ViewShell {
		return m, tea.Quit
	}
	if k == "tab" && m.view != ViewShell { // in the shell, tab completes
		return m, m.switchTo((m.view + 1) % numViews)
	}
	if k == "shift+tab" {
		return m, m.switchTo((m.view + numViews - 1) % numViews)
	}
	if m.view == ViewShell {
		if k == "esc" {
			return m, m.switchTo(m.prev)
		}
		var cmd tea.Cmd
		m.shell, cmd = m.shell.Update(msg)
		return m, cmd
	}
	if m.view == ViewNode && m.node.Capturing() {
		var cmd tea.Cmd
		m.node, cmd = m.node.Update(msg)
		return m, cmd
	}
	switch k {
	case "q":
		return m, tea.Quit
	case "?":
		m.help = true
		return m, nil
	case ":":
		m.mode = modePalette
		m.input.SetValue("")
		m.input.Focus()
		return m, nil
	case "/":
		m.mode = modeFilter
		m.input.SetValue(m.filters[m.view])
		m.input.Focus()
		return m, nil
	case "1", "2", "3", "4", "5":
		return m, m.switchTo(View(k[0] - '1'))
	case "esc":
		if m.filters[m.view] != "" {
			m.setFilter("")
			return m, nil
		}
		return m, m.switchTo(ViewCluster)
	}
	var cmd tea.Cmd
	switch m.view {
	case ViewCluster:
		m.cluster, cmd = m.cluster.Update(msg)
	case ViewNode:
		m.node, cmd = m.node.Update(msg)
	case ViewMonitors:
		m.monitors, cmd = m.monitors.Update(msg)
	case ViewDevices:
		m.devices, cmd = m.devices.Update(msg)
	}
	return m, cmd
}

func (m *Model) setFilter(f string) {
	m.filters[m.view] = f
	switch m.view {
	case ViewCluster:
		m.cluster.SetFilter(f)
	case ViewNode:
		m.node.SetFilter(f)
	case ViewMonitors:
		m.monitors.SetFilter(f)
	}
}

// View renders the screen.
func (m Model) View() string {
	var b strings.Builder
	var tabs []string
	for i, name := range viewNames {
		label := fmt.Sprintf("%d %s", i+1, name)
		if View(i) == m.view {
			tabs = append(tabs, m.th.ActiveTab.Render(label))
		} else {
			tabs = append(tabs, m.th.Tab.Render(label))
		}
	}
	b.WriteString(m.th.Title.Render("avmsh") + " " + strings.Join(tabs, "") + "  " + m.th.Dim.Render(string(m.src.LocalName())) + "\n")
	body := m.height - 3
	var content string
	if m.help {
		content = m.helpView()
	} else {
		switch m.view {
		case ViewCluster:
			content = m.cluster.View(m.width, body)
		case ViewNode:
			content = m.node.View(m.width, body)
		case ViewMonitors:
			content = m.monitors.View(m.width, body)
		case ViewDevices:
			content = m.devices.View(m.width, body)
		case ViewShell:
			content = m.shell.View(m.width, body)
		}
	}
	content = theme.Clip(strings.TrimRight(content, "\n"), m.width, body)
	b.WriteString(content)
	if pad := body - strings.Count(content, "\n") - 1; pad > 0 {
		b.WriteString(strings.Repeat("\n", pad))
	}
	b.WriteString("\n")
	switch m.mode {
	case modePalette:
		b.WriteString(":" + m.input.View())
	case modeFilter:
		b.WriteString("/" + m.input.View())
	default:
		line := m.status
		if f := m.filters[m.view]; f != "" {
			line = "filter: " + f + " (esc clears)  " + line
		}
		if line == "" {
			line = m.th.Help.Render("? help  : commands  / filter  tab views  q quit")
		}
		b.WriteString(theme.Cell(line, m.width))
	}
	return b.String()
}
