package shellpane

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/tui/lineinput"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/term"
)

// OutputMsg is output for the scrollback (the shell's results, remote
// io:format).
type OutputMsg string

// ShellStartedMsg reports the start of a node's shell (route it to the
// pane whatever the view).
type ShellStartedMsg struct {
	node  term.Atom
	shell source.RemoteShell
	err   error
}

// ShellEndedMsg reports that a node's shell ended (route it to the pane
// whatever the view).
type ShellEndedMsg struct {
	node  term.Atom
	shell source.RemoteShell
}

// shellState is a node's shell (package shellsession: OTP's shell on a
// BEAM node, avmsh's evaluator elsewhere).
type shellState struct {
	starting bool
	shell    source.RemoteShell
}

// Model is the shell pane: the dashboard's front-end of the shell
// session `avmsh shell` runs. The session owns evaluation, the quit
// rule, meta-commands, completion candidates, the Ctrl-G menu and the
// history file; the pane owns the input line (package lineinput).
type Model struct {
	src     source.Shells
	th      theme.Theme
	term    *Terminal
	node    term.Atom
	shells  map[term.Atom]*shellState
	reqs    map[term.Atom]InputMsg // input requests waiting, by node ("": the TUI's own GL)
	in      lineinput.Model
	pending string // lines of an unfinished command
	lines   []string
	hpos    int     // the history entry shown (-1: the draft)
	draft   string  // what was typed before moving into history
	search  *search // Ctrl-R, when active
	menu    bool    // the Ctrl-G menu is open
	compSeq int     // the Tab whose candidates are awaited
}

// New returns the pane; t is the terminal of the group leaders whose
// output and input it shows (nil: a terminal of its own).
func New(src source.Shells, th theme.Theme, t *Terminal) Model {
	in := lineinput.New()
	in.Prompt = ""
	in.Focus()
	if t == nil {
		t = NewTerminal()
	}
	return Model{src: src, th: th, term: t, in: in, hpos: -1,
		shells: map[term.Atom]*shellState{}, reqs: map[term.Atom]InputMsg{}}
}

// SetNode makes node the target.
func (m *Model) SetNode(n term.Atom) { m.node = n }

// Listen delivers the terminal's output and input requests to the pane
// (start it once, from the program's Init).
func (m Model) Listen() tea.Cmd { return m.term.Listen() }

// Activate starts the target's shell when the pane comes on screen (the
// session of package shellsession, through the source's RemoteShell).
func (m *Model) Activate() tea.Cmd {
	if m.node == "" || m.shells[m.node] != nil {
		return nil
	}
	m.shells[m.node] = &shellState{starting: true}
	src, t, node := m.src, m.term, m.node
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := src.RemoteShell(ctx, node, t.For(node))
		return ShellStartedMsg{node: node, shell: s, err: err}
	}
}

// session is the target's shell's completion and menu, if it has them.
func (m Model) session() source.ShellSession {
	if st := m.shells[m.node]; st != nil && st.shell != nil {
		if ss, ok := st.shell.(source.ShellSession); ok {
			return ss
		}
	}
	return nil
}

// request is the input request the pane answers for the target: its
// shell's, else the TUI's own group leader's.
func (m Model) request() (InputMsg, term.Atom, bool) {
	if r, ok := m.reqs[m.node]; ok && m.node != "" {
		return r, m.node, true
	}
	r, ok := m.reqs[""]
	return r, "", ok
}

func (m Model) prompt() string {
	if m.menu {
		return shellsession.JobPrompt
	}
	if r, _, ok := m.request(); ok {
		if m.pending != "" && r.Command {
			return continuation(r.Prompt)
		}
		return r.Prompt
	}
	return fmt.Sprintf("(%s)> ", m.node)
}

// continuation is the prompt of a command's next lines, as wide as the
// first one's.
func continuation(prompt string) string {
	w := len([]rune(prompt))
	if w < 2 {
		return "> "
	}
	return strings.Repeat(" ", w-2) + "> "
}

func (m *Model) add(text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		m.lines = append(m.lines, l)
	}
	if len(m.lines) > 2000 {
		m.lines = m.lines[len(m.lines)-2000:]
	}
}

// Update handles typing, the terminal's output and input requests,
// completion results, and shells starting and ending.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case TermMsg:
		var cmd tea.Cmd
		m, cmd = m.Update(msg.Msg)
		return m, tea.Batch(cmd, m.term.Listen())
	case InputMsg:
		if old, ok := m.reqs[msg.Node]; ok {
			old.answer("", io.EOF) // superseded: its reader went away
		}
		m.reqs[msg.Node] = msg
		return m, nil
	case OutputMsg:
		m.add(string(msg))
		return m, nil
	case completionMsg:
		return m.completed(msg), nil
	case ShellStartedMsg:
		return m.started(msg)
	case ShellEndedMsg:
		return m.ended(msg), nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	var cmd tea.Cmd
	m.in, cmd = m.in.Update(msg)
	return m, cmd
}

func (m Model) started(msg ShellStartedMsg) (Model, tea.Cmd) {
	st := m.shells[msg.node]
	if st == nil {
		st = &shellState{}
		m.shells[msg.node] = st
	}
	st.starting = false
	if msg.err != nil { // unreachable for now: enter tries again
		delete(m.shells, msg.node)
		m.add(fmt.Sprintf("*** the shell on %s did not start: %v (enter tries again)", msg.node, msg.err))
		return m, nil
	}
	st.shell = msg.shell
	s := msg.shell
	return m, func() tea.Msg {
		<-s.Done()
		return ShellEndedMsg{node: msg.node, shell: s}
	}
}

func (m Model) ended(msg ShellEndedMsg) Model {
	st := m.shells[msg.node]
	if st == nil || st.shell != msg.shell {
		return m
	}
	delete(m.shells, msg.node)
	if r, ok := m.reqs[msg.node]; ok {
		r.answer("", io.EOF)
		delete(m.reqs, msg.node)
	}
	if msg.node == m.node {
		m.menu, m.pending = false, ""
	}
	m.add(fmt.Sprintf("*** the shell on %s ended (%s); enter starts a new one", msg.node, msg.shell.Reason()))
	return m
}

// View renders the scrollback and the input line.
func (m Model) View(width, height int) string {
	if m.node == "" {
		return m.th.Dim.Render("no target: pick a node in the Cluster view (1)")
	}
	rows := max(height-1, 1)
	start := max(len(m.lines)-rows, 0)
	var b strings.Builder
	for _, l := range m.lines[start:] {
		b.WriteString(theme.Cell(l, width) + "\n")
	}
	st := m.shells[m.node]
	_, _, asked := m.request()
	switch {
	case m.search != nil:
		b.WriteString(m.search.view(m.term.History().Entries()) + "\n")
	case m.menu || asked:
		b.WriteString(m.prompt() + m.in.View() + "\n")
	case st == nil:
		b.WriteString(m.th.Dim.Render("enter starts the shell on "+string(m.node)) + "\n")
	case st.starting:
		b.WriteString(m.th.Dim.Render("… starting the shell on "+string(m.node)) + "\n")
	default:
		b.WriteString(m.th.Dim.Render("… evaluating (ctrl+c interrupts, ctrl+g menu)") + "\n")
	}
	return b.String()
}

// Keys is the pane's key help.
func Keys() [][2]string {
	return [][2]string{
		{"enter", "run (a command ends with a dot); answers io:get_line too"},
		{"tab", "complete (modules, Mod:functions, variables, :connect nodes)"},
		{"↑/↓", "history (shared with avmsh shell)"},
		{"ctrl+r", "search the history"},
		{"ctrl+c", "interrupt the evaluation / clear the line"},
		{"ctrl+g", "job-control menu: i interrupt, c back, q leave"},
		{"esc", "back to the previous view (q(). leaves the shell, never stops the node)"},
		{"shift+tab", "previous view (typing goes to the shell)"},
	}
}
