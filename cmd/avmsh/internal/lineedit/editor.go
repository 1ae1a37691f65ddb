package lineedit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/vm/erl/scan"
)

// ErrInterrupt is returned by ReadLine when the user pressed Ctrl-C (the
// line typed so far is discarded). ReadCommand does not return it: it
// discards the command being typed and prompts again.
var ErrInterrupt = errors.New("interrupted")

// ErrJobControl is returned by ReadCommand when the user pressed Ctrl-G
// (Erlang's "user switch command" key): the shell shows its job-control
// menu; the command being typed is kept for the next ReadCommand.
var ErrJobControl = errors.New("job control (Ctrl-G)")

// escDelay is how long a lone ESC waits for the rest of an escape
// sequence before it counts as the Escape key.
const escDelay = 40 * time.Millisecond

// Config configures an Editor.
type Config struct {
	// In and Out are the terminal (or plain streams).
	In  io.Reader
	Out io.Writer
	// Interactive turns line editing on. When In is a terminal it is
	// put in raw mode while a read is on screen.
	Interactive bool
	// History keeps the commands (nil: in memory, the last
	// shellsession.DefaultHistoryLimit).
	History History
	// Complete returns the word before the cursor in before (the
	// command up to the cursor) and the candidates that complete it,
	// each a full word that starts with it.
	Complete func(before string, pos int) (word string, candidates []Candidate)
	// Width reports the terminal's width in columns (nil: asked from
	// Out when it is a terminal, else 80).
	Width func() int
}

// Editor reads commands and lines from the user. One read runs at a
// time (reads from several goroutines wait for each other); Writer may
// be used from any goroutine.
type Editor struct {
	cfg   Config
	fd    int  // In's file descriptor, when it is a terminal
	tty   bool // In is a terminal: use raw mode
	plain *bufio.Reader

	readMu  sync.Mutex // one read at a time
	in      *pump
	pending []byte // bytes read and not yet decoded into keys
	taken   int64  // bytes taken from in (under readMu)
	// ctrlGAt is where a Ctrl-G queued by QueueCtrlG goes in the input:
	// after that many bytes of it (-1: none queued).
	ctrlGAt atomic.Int64

	draft []rune // the command being typed when Ctrl-G was pressed

	mu     sync.Mutex // output and the state on screen
	st     *state     // the read on screen, or nil
	raw    bool       // the terminal is in raw mode
	closed bool
	hist   History
	// histErr is the first error saving history (reported by Close).
	histErr error
}

// New returns an Editor. Close it to stop its input reader.
func New(cfg Config) (*Editor, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	e := &Editor{cfg: cfg, hist: cfg.History}
	e.ctrlGAt.Store(-1)
	if e.hist == nil {
		e.hist, _ = shellsession.OpenHistory("", 0) // in memory: no file to fail
	}
	if !cfg.Interactive {
		e.plain = bufio.NewReader(cfg.In)
		return e, nil
	}
	if f, ok := cfg.In.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		e.fd, e.tty = int(f.Fd()), true
	}
	return e, nil
}

// Close stops the input reader (a read in progress returns io.EOF) and
// returns the first error met saving history, if any.
func (e *Editor) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	p := e.in
	e.mu.Unlock()
	if p != nil {
		p.stop()
		if p.wake != nil { // the read in progress ends: wait for it
			e.readMu.Lock()
			e.readMu.Unlock() //nolint:staticcheck // an empty critical section waits for the reader
		}
	}
	return e.histErr
}

// History returns the commands in history, oldest first.
func (e *Editor) History() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hist.Entries()
}

// Writer is where output goes while the user may be typing: on a
// terminal the output is printed above the prompt, which is drawn again
// below it with the line being edited.
func (e *Editor) Writer() io.Writer { return editorWriter{e} }

type editorWriter struct{ e *Editor }

func (w editorWriter) Write(b []byte) (int, error) { return w.e.write(b) }

func (e *Editor) write(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil || !e.st.drawn {
		if e.raw {
			if _, err := io.WriteString(e.cfg.Out, crlf(string(b))); err != nil {
				return 0, err
			}
			return len(b), nil
		}
		return e.cfg.Out.Write(b)
	}
	s := string(b)
	out := erase(e.st.curRow, e.st.lastRow) + crlf(s)
	if !strings.HasSuffix(s, "\n") {
		out += "\r\n"
	}
	e.st.drawn = false
	if _, err := io.WriteString(e.cfg.Out, out+e.frameText(e.st)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// width is the terminal's width in columns.
func (e *Editor) width() int {
	if e.cfg.Width != nil {
		return e.cfg.Width()
	}
	if f, ok := e.cfg.Out.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// ReadLine shows prompt and reads one line, returned with its "\n" (the
// last line of a plain input may lack it), or io.EOF at the end of the
// input (Ctrl-D on an empty line), ErrInterrupt on Ctrl-C or ctx's
// error. It implements gl.Input, so a remote io:get_line prompts the
// user here.
func (e *Editor) ReadLine(ctx context.Context, prompt string) (string, error) {
	if e.plain != nil {
		return e.plainLine(prompt)
	}
	return e.read(ctx, prompt, "", false)
}

// ReadCommand reads until the input holds a complete Erlang command
// (ending with a dot outside strings, quoted atoms and comments), with
// prompt on the first row and more on the next ones ("": spaces and
// "> " as wide as prompt). On a terminal the whole command is one
// buffer (Enter inside an incomplete command starts a new row, Alt-Enter
// always does) and one history entry. A meta-command (a line starting
// with ':') is returned at once. The text ends with "\n".
func (e *Editor) ReadCommand(ctx context.Context, prompt, more string) (string, error) {
	if more == "" {
		more = continuation(prompt)
	}
	if e.plain == nil {
		return e.read(ctx, prompt, more, true)
	}
	// The accumulator keeps the work linear in the command's size (a
	// huge literal over many lines).
	var acc scan.Accumulator
	p := prompt
	for {
		line, err := e.plainLine(p)
		if err != nil {
			if errors.Is(err, io.EOF) && strings.TrimSpace(acc.String()+line) != "" {
				return acc.String() + line, nil // the input ends mid-command
			}
			return "", err
		}
		if acc.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ":") {
			return line, nil
		}
		if acc.Len() == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		if acc.Add(line) {
			return acc.String(), nil
		}
		p = more
	}
}

// continuation is the prompt of a command's next rows: "> " right-aligned
// under prompt's last row.
func continuation(prompt string) string {
	if i := strings.LastIndexByte(prompt, '\n'); i >= 0 {
		prompt = prompt[i+1:]
	}
	w := 0
	for _, r := range prompt {
		_, rw := visual(r)
		w += rw
	}
	if w < 2 {
		return "> "
	}
	return strings.Repeat(" ", w-2) + "> "
}

// plainLine reads a line from a non-terminal input. Like erl reading a
// pipe, the prompt is written and the input is not echoed.
func (e *Editor) plainLine(prompt string) (string, error) {
	e.readMu.Lock()
	defer e.readMu.Unlock()
	if prompt != "" {
		_, _ = io.WriteString(e.Writer(), prompt)
	}
	line, err := e.plain.ReadString('\n')
	if err != nil && line != "" && errors.Is(err, io.EOF) {
		return line, nil
	}
	return line, err
}

// startInput starts the input reader on the first read.
func (e *Editor) startInput() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return io.EOF
	}
	if e.in != nil {
		return nil
	}
	if e.tty {
		p, err := startFilePump(e.fd)
		if err != nil {
			return err
		}
		e.in = p
		return nil
	}
	e.in = startReaderPump(e.cfg.In)
	return nil
}

// makeRaw puts the terminal in raw mode for a read; the returned
// function restores it.
func (e *Editor) makeRaw() (func(), error) {
	if !e.tty {
		return func() {}, nil
	}
	old, err := term.MakeRaw(e.fd)
	if err != nil {
		return nil, fmt.Errorf("line editor: raw mode on the terminal: %w", err)
	}
	e.mu.Lock()
	e.raw = true
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		e.raw = false
		e.mu.Unlock()
		_ = term.Restore(e.fd, old)
	}, nil
}

// read runs one interactive read until Enter (or the end).
func (e *Editor) read(ctx context.Context, prompt, more string, multi bool) (string, error) {
	e.readMu.Lock()
	defer e.readMu.Unlock()
	if err := e.startInput(); err != nil {
		return "", err
	}
	restore, err := e.makeRaw()
	if err != nil {
		return "", err
	}
	defer restore()
	st := &state{prompt: prompt, more: more, multi: multi}
	if multi && e.draft != nil {
		st.buf, st.pos, e.draft = e.draft, len(e.draft), nil
	}
	e.mu.Lock()
	st.hist = len(e.hist.Entries())
	e.st = st
	e.render(st)
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.st = nil
		e.mu.Unlock()
	}()
	for {
		k, err := e.nextKey(ctx)
		if err != nil {
			e.mu.Lock()
			e.finish(st, "\r\n")
			e.mu.Unlock()
			return "", err
		}
		if line, done, err := e.handle(st, k); done {
			return line, err
		}
	}
}

// nextKey decodes the next key, waiting for input, ctx or (inside an
// escape sequence) escDelay.
func (e *Editor) nextKey(ctx context.Context) (Key, error) {
	for {
		e.placeCtrlG()
		if len(e.pending) > 0 {
			if k, n := decodeKey(e.pending); n > 0 {
				e.pending = e.pending[n:]
				return k, nil
			}
		}
		var wait <-chan time.Time
		var t *time.Timer
		if len(e.pending) > 0 {
			t = time.NewTimer(escDelay)
			wait = t.C
		}
		k, more, err := e.waitInput(ctx, wait)
		if t != nil {
			t.Stop()
		}
		if !more {
			return k, err
		}
	}
}

// waitInput waits for input (appended to pending: more is true), the end
// of an escape sequence's delay (the pending bytes are forced into a
// key), the input's end or ctx.
func (e *Editor) waitInput(ctx context.Context, wait <-chan time.Time) (k Key, more bool, err error) {
	select {
	case b, ok := <-e.in.ch:
		if !ok {
			if len(e.pending) > 0 {
				return e.force(), false, nil
			}
			return Key{}, false, e.in.end()
		}
		e.pending = append(e.pending, b...)
		e.taken += int64(len(b))
		return Key{}, true, nil
	case <-wait:
		return e.force(), false, nil
	case <-e.in.done:
		return Key{}, false, io.EOF
	case <-ctx.Done():
		return Key{}, false, ctx.Err()
	}
}

func (e *Editor) force() Key {
	k, n := forceKey(e.pending)
	e.pending = e.pending[n:]
	return k
}

// QueueCtrlG hands the editor a Ctrl-G that the terminal turned into a
// signal (CtrlGSignals) while no evaluation ran: between the end of one
// and the next prompt's read, the terminal is still in its normal mode.
// The next read gets it as a key, after the input read before it
// (type-ahead keeps its order), so ReadCommand returns ErrJobControl
// with the command typed so far, as if Ctrl-G had been pressed at the
// prompt. A read on screen gets it with its next input.
func (e *Editor) QueueCtrlG() {
	var at int64
	e.mu.Lock()
	if e.in != nil {
		at = e.in.read.Load()
	}
	e.mu.Unlock()
	e.ctrlGAt.Store(at)
}

// placeCtrlG puts a queued Ctrl-G into the pending input once the bytes
// read before it have been taken (holding readMu).
func (e *Editor) placeCtrlG() {
	at := e.ctrlGAt.Load()
	if at < 0 || at > e.taken || !e.ctrlGAt.CompareAndSwap(at, -1) {
		return
	}
	i := max(len(e.pending)-int(e.taken-at), 0)
	e.pending = slices.Insert(e.pending, i, ctrlG)
}
