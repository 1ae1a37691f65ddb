package shellpane

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// ResultMsg carries an evaluation's output.
type ResultMsg struct {
	Node term.Atom
	Out  string
	N    int
	Err  error
}

// OutputMsg is remote output (io:format) for the scrollback.
type OutputMsg string

// Model is the shell pane.
type Model struct {
	src     source.Source
	th      theme.Theme
	node    term.Atom
	n       map[term.Atom]int
	in      textinput.Model
	pending string // lines of an unfinished command
	lines   []string
	busy    bool
	cancel  context.CancelFunc
	history []string
	hpos    int
}

// New returns the pane.
func New(src source.Source, th theme.Theme) Model {
	in := textinput.New()
	in.Prompt = ""
	in.Focus()
	return Model{src: src, th: th, in: in, n: map[term.Atom]int{}}
}

// SetNode makes node the target.
func (m *Model) SetNode(n term.Atom) { m.node = n }

func (m Model) prompt() string {
	n := m.n[m.node]
	if n == 0 {
		n = 1
	}
	if m.pending != "" {
		return strings.Repeat(" ", len(m.node)+len(fmt.Sprint(n))+1) + "> "
	}
	return fmt.Sprintf("(%s)%d> ", m.node, n)
}

func (m *Model) add(text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		m.lines = append(m.lines, l)
	}
	if len(m.lines) > 2000 {
		m.lines = m.lines[len(m.lines)-2000:]
	}
}

// Update handles typing, evaluation results and remote output.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
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
	case tea.KeyMsg:
		switch msg.String() {
		case "ctrl+c":
			if m.busy && m.cancel != nil {
				m.cancel()
				return m, nil
			}
			m.in.SetValue("")
			m.pending = ""
			return m, nil
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
			if m.busy || m.node == "" {
				return m, nil
			}
			line := m.in.Value()
			m.in.SetValue("")
			m.add(m.prompt() + line)
			src := m.pending + line + "\n"
			if !scan.Complete(src) {
				m.pending = src
				return m, nil
			}
			m.pending = ""
			if strings.TrimSpace(line) != "" {
				m.history = append(m.history, strings.TrimSpace(src))
				m.hpos = len(m.history)
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
	}
	var cmd tea.Cmd
	m.in, cmd = m.in.Update(msg)
	return m, cmd
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
	if m.busy {
		b.WriteString(m.th.Dim.Render("… evaluating (ctrl+c interrupts)") + "\n")
	} else {
		b.WriteString(m.prompt() + m.in.View() + "\n")
	}
	return b.String()
}

// Keys is the pane's key help.
func Keys() [][2]string {
	return [][2]string{{"enter", "run (a command ends with a dot)"}, {"↑/↓", "history"}, {"ctrl+c", "interrupt / clear"}, {"tab", "next view (typing goes to the shell)"}}
}
