package shellpane

import (
	"context"
	"io"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// Terminal connects group leaders to the pane: the TUI's own (output of
// avmsh-evaluated commands, their io:get_line) and those of OTP shells
// running on BEAM nodes. Output and requests for input travel, in order,
// through one channel the pane reads with Listen; a read waits until the
// user answers in the pane, the request's context ends, or the terminal
// is closed (io.EOF).
type Terminal struct {
	ch   chan tea.Msg
	done chan struct{}
	once sync.Once

	mu   sync.Mutex
	hist *shellsession.History
}

// NewTerminal returns a terminal with an in-memory history; Close it
// when the program ends.
func NewTerminal() *Terminal {
	h, _ := shellsession.OpenHistory("", 0) // no file: cannot fail
	return &Terminal{ch: make(chan tea.Msg, 256), done: make(chan struct{}), hist: h}
}

// SetHistory makes h the history of what is typed in the pane (the
// file `avmsh shell` also uses: shellsession.DefaultHistoryFile).
func (t *Terminal) SetHistory(h *shellsession.History) {
	t.mu.Lock()
	t.hist = h
	t.mu.Unlock()
}

// History is the history of what is typed in the pane.
func (t *Terminal) History() *shellsession.History {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.hist
}

// TermMsg wraps what the terminal delivers (OutputMsg, InputMsg); the
// pane listens again after each one.
type TermMsg struct{ Msg tea.Msg }

// InputMsg asks the user for input: one line (io:get_line) or, when
// Command is set, a whole shell command up to its dot. Node is the
// shell's node ("" for the TUI's own group leader: whichever node the
// pane shows).
type InputMsg struct {
	Node    term.Atom
	Prompt  string
	Command bool
	reply   chan inputReply
}

type inputReply struct {
	text string
	err  error
}

// answer replies to the request (once; later answers are dropped).
func (m InputMsg) answer(text string, err error) {
	select {
	case m.reply <- inputReply{text, err}:
	default:
	}
}

// Listen returns the command that delivers the terminal's next message
// (nil once the terminal is closed).
func (t *Terminal) Listen() tea.Cmd {
	return func() tea.Msg {
		select {
		case m := <-t.ch:
			return TermMsg{Msg: m}
		case <-t.done:
			return nil
		}
	}
}

// Close ends the reads waiting for the user (they get io.EOF) and drops
// later output.
func (t *Terminal) Close() { t.once.Do(func() { close(t.done) }) }

// Write sends output to the scrollback.
func (t *Terminal) Write(b []byte) (int, error) {
	select {
	case t.ch <- OutputMsg(string(b)):
	case <-t.done:
	}
	return len(b), nil
}

// ReadLine asks for one line for the TUI's own group leader.
func (t *Terminal) ReadLine(ctx context.Context, prompt string) (string, error) {
	return t.read(ctx, "", prompt, false)
}

// ReadCommand asks for a whole command for the TUI's own group leader.
func (t *Terminal) ReadCommand(ctx context.Context, prompt, _ string) (string, error) {
	return t.read(ctx, "", prompt, true)
}

// For is the terminal as node's OTP shell sees it: its requests wait
// until the pane shows that node.
func (t *Terminal) For(node term.Atom) source.Terminal { return nodeTerminal{t, node} }

func (t *Terminal) read(ctx context.Context, node term.Atom, prompt string, command bool) (string, error) {
	m := InputMsg{Node: node, Prompt: prompt, Command: command, reply: make(chan inputReply, 1)}
	select {
	case t.ch <- m:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.done:
		return "", io.EOF
	}
	select {
	case r := <-m.reply:
		return r.text, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.done:
		return "", io.EOF
	}
}

type nodeTerminal struct {
	t    *Terminal
	node term.Atom
}

func (n nodeTerminal) Write(b []byte) (int, error) { return n.t.Write(b) }

func (n nodeTerminal) ReadLine(ctx context.Context, prompt string) (string, error) {
	return n.t.read(ctx, n.node, prompt, false)
}

func (n nodeTerminal) ReadCommand(ctx context.Context, prompt, _ string) (string, error) {
	return n.t.read(ctx, n.node, prompt, true)
}
