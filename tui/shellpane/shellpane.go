package shellpane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// ResultMsg carries an evaluation's output (avmsh's evaluator).
type ResultMsg struct {
	Node term.Atom
	Out  string
	N    int
	Err  error
}

// OutputMsg is remote output (io:format, the OTP shell's results) for
// the scrollback.
type OutputMsg string

// ShellStartedMsg reports the start of OTP's shell on a node (route it
// to the pane whatever the view).
type ShellStartedMsg struct {
	node  term.Atom
	shell source.RemoteShell
	err   error
}

// ShellEndedMsg reports that a node's OTP shell ended (route it to the
// pane whatever the view).
type ShellEndedMsg struct {
	node  term.Atom
	shell source.RemoteShell
}

// remoteState is a node's shell: OTP's (on BEAM nodes) or avmsh's
// evaluator (goEval).
type remoteState struct {
	starting bool
	goEval   bool
	shell    source.RemoteShell
}

// Model is the shell pane.
type Model struct {
	src     source.Shells
	th      theme.Theme
	term    *Terminal
	node    term.Atom
	n       map[term.Atom]int
	shells  map[term.Atom]*remoteState
	reqs    map[term.Atom]InputMsg // input requests waiting, by node ("": the TUI's own GL)
	in      textinput.Model
	pending string // lines of an unfinished command
	lines   []string
	busy    bool
	cancel  context.CancelFunc
	history []string
	hpos    int
}

// New returns the pane; t is the terminal of the group leaders whose
// output and input it shows (nil: a terminal of its own).
func New(src source.Shells, th theme.Theme, t *Terminal) Model {
	in := textinput.New()
	in.Prompt = ""
	in.Focus()
	if t == nil {
		t = NewTerminal()
	}
	return Model{src: src, th: th, term: t, in: in, n: map[term.Atom]int{},
		shells: map[term.Atom]*remoteState{}, reqs: map[term.Atom]InputMsg{}}
}

// SetNode makes node the target.
func (m *Model) SetNode(n term.Atom) { m.node = n }

// Listen delivers the terminal's output and input requests to the pane
// (start it once, from the program's Init).
func (m Model) Listen() tea.Cmd { return m.term.Listen() }

// Activate prepares the target's shell when the pane comes on screen:
// on a BEAM node it starts OTP's own shell there (full Erlang: records,
// rd/rr, user_default), elsewhere avmsh's evaluator is used.
func (m *Model) Activate() tea.Cmd {
	if m.node == "" || m.shells[m.node] != nil {
		return nil
	}
	m.shells[m.node] = &remoteState{starting: true}
	src, t, node := m.src, m.term, m.node
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := src.RemoteShell(ctx, node, t.For(node))
		return ShellStartedMsg{node: node, shell: s, err: err}
	}
}

// request is the input request the pane answers for the target: its
// OTP shell's, else the TUI's own group leader's.
func (m Model) request() (InputMsg, term.Atom, bool) {
	if r, ok := m.reqs[m.node]; ok && m.node != "" {
		return r, m.node, true
	}
	r, ok := m.reqs[""]
	return r, "", ok
}

func (m Model) goMode() bool {
	st := m.shells[m.node]
	return st == nil || st.goEval
}

func (m Model) prompt() string {
	if r, _, ok := m.request(); ok {
		if m.pending != "" && r.Command {
			return continuation(r.Prompt)
		}
		return r.Prompt
	}
	n := m.n[m.node]
	if n == 0 {
		n = 1
	}
	p := fmt.Sprintf("(%s)%d> ", m.node, n)
	if m.pending != "" {
		return continuation(p)
	}
	return p
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

// Update handles typing, evaluation results, the terminal's output and
// input requests, and OTP shells starting and ending.
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
	case ResultMsg:
		m.busy, m.cancel = false, nil
		if msg.Out != "" {
			m.add(msg.Out)
		}
		if msg.Err != nil {
			m.add("*** " + msg.Err.Error())
		}
		if msg.N > 0 {
			m.n[msg.Node] = msg.N
		}
		return m, nil
	case OutputMsg:
		m.add(string(msg))
		return m, nil
	case ShellStartedMsg:
		return m.started(msg)
	case ShellEndedMsg:
		if st := m.shells[msg.node]; st != nil && st.shell == msg.shell {
			delete(m.shells, msg.node)
			if r, ok := m.reqs[msg.node]; ok {
				r.answer("", io.EOF)
				delete(m.reqs, msg.node)
			}
			m.add(fmt.Sprintf("*** the shell on %s ended (%s); enter starts a new one", msg.node, msg.shell.Reason()))
		}
		return m, nil
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
		st = &remoteState{}
		m.shells[msg.node] = st
	}
	st.starting = false
	switch {
	case msg.err == nil:
		st.shell = msg.shell
		s := msg.shell
		return m, func() tea.Msg {
			<-s.Done()
			return ShellEndedMsg{node: msg.node, shell: s}
		}
	case errors.Is(msg.err, source.ErrNoRemoteShell):
		st.goEval = true
	default: // unreachable for now: enter tries again
		delete(m.shells, msg.node)
		m.add(fmt.Sprintf("*** the shell on %s did not start: %v (enter tries again)", msg.node, msg.err))
	}
	return m, nil
}

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch msg.String() {
	case "ctrl+c":
		return m.interrupt()
	case "up":
		if m.hpos > 0 {
			m.hpos--
			m.in.SetValue(m.history[m.hpos])
			m.in.CursorEnd()
		}
		return m, nil
	case "down":
		if m.hpos < len(m.history)-1 {
			m.hpos++
			m.in.SetValue(m.history[m.hpos])
		} else {
			m.hpos = len(m.history)
			m.in.SetValue("")
		}
		return m, nil
	case "enter":
		return m.enter()
	}
	var cmd tea.Cmd
	m.in, cmd = m.in.Update(msg)
	return m, cmd
}

// interrupt is Ctrl-C: it clears the line being typed at a prompt, and
// otherwise interrupts the evaluation (OTP's shell kills its evaluator;
// avmsh's evaluator kills the remote erpc process).
func (m Model) interrupt() (Model, tea.Cmd) {
	r, key, asked := m.request()
	if asked && r.Command {
		m.in.SetValue("")
		m.pending = ""
		return m, nil
	}
	if asked { // io:get_line: the evaluation that asked is interrupted
		r.answer("", errors.New("interrupted"))
		delete(m.reqs, key)
	}
	if st := m.shells[m.node]; st != nil && st.shell != nil {
		_ = st.shell.Interrupt()
		return m, nil
	}
	if m.busy && m.cancel != nil {
		m.cancel()
		return m, nil
	}
	m.in.SetValue("")
	m.pending = ""
	return m, nil
}

func (m Model) enter() (Model, tea.Cmd) {
	if m.node == "" {
		return m, nil
	}
	st := m.shells[m.node]
	if st == nil { // not started (or ended): start it, keep the line
		return m, m.Activate()
	}
	r, key, asked := m.request()
	if st.starting && !asked {
		return m, nil
	}
	if !asked && (!st.goEval || m.busy) {
		return m, nil
	}
	line := m.in.Value()
	m.in.SetValue("")
	m.add(m.prompt() + line)
	if asked && !r.Command {
		delete(m.reqs, key)
		r.answer(line+"\n", nil)
		return m, nil
	}
	src := m.pending + line + "\n"
	if !scan.Complete(src) {
		m.pending = src
		return m, nil
	}
	m.pending = ""
	if strings.TrimSpace(src) != "" {
		m.history = append(m.history, strings.TrimSpace(src))
		m.hpos = len(m.history)
	}
	if asked {
		delete(m.reqs, key)
		r.answer(src, nil)
		return m, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	m.busy, m.cancel = true, cancel
	s, n := m.src, m.node
	return m, func() tea.Msg {
		defer cancel()
		out, next, err := s.Eval(ctx, n, src)
		return ResultMsg{Node: n, Out: out, N: next, Err: err}
	}
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
	case asked:
		b.WriteString(m.prompt() + m.in.View() + "\n")
	case st != nil && st.starting:
		b.WriteString(m.th.Dim.Render("… starting OTP's shell on "+string(m.node)) + "\n")
	case m.busy || (st != nil && st.shell != nil):
		b.WriteString(m.th.Dim.Render("… evaluating (ctrl+c interrupts)") + "\n")
	default:
		b.WriteString(m.prompt() + m.in.View() + "\n")
	}
	return b.String()
}

// Keys is the pane's key help.
func Keys() [][2]string {
	return [][2]string{
		{"enter", "run (a command ends with a dot); answers io:get_line too"},
		{"↑/↓", "history"},
		{"ctrl+c", "interrupt the evaluation / clear the line"},
		{"esc", "back to the previous view (q(). does not stop a BEAM target)"},
		{"tab", "next view (typing goes to the shell)"},
	}
}
