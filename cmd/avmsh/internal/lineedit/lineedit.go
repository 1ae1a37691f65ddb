package lineedit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chzyer/readline"

	"github.com/avmsh/avmsh/vm/erl/scan"
)

// ErrInterrupt is returned by reads when the user pressed Ctrl-C at the
// prompt (the line typed so far is discarded).
var ErrInterrupt = errors.New("interrupted")

// Config configures an Editor.
type Config struct {
	// In and Out are the terminal (or plain streams).
	In  io.Reader
	Out io.Writer
	// Interactive turns line editing on (In and Out are a terminal).
	Interactive bool
	// HistoryFile persists history ("" = none). See DefaultHistoryFile.
	HistoryFile string
	// Complete returns completions for the word before the cursor in
	// line[:pos]: full candidates that start with the word.
	Complete func(line string, pos int) (word string, candidates []string)
}

// Editor reads commands and lines from the user. Its reads must come
// from one goroutine at a time; Writer may be used from any goroutine.
type Editor struct {
	cfg   Config
	rl    *readline.Instance
	plain *bufio.Reader
	outMu sync.Mutex
}

// DefaultHistoryFile is $XDG_STATE_HOME/avmsh/history, or
// ~/.local/state/avmsh/history; "" when neither can be made.
func DefaultHistoryFile(getenv func(string) string) string {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "avmsh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

// New returns an Editor. Close it to restore the terminal.
func New(cfg Config) (*Editor, error) {
	e := &Editor{cfg: cfg}
	if !cfg.Interactive {
		e.plain = bufio.NewReader(cfg.In)
		return e, nil
	}
	rc := &readline.Config{
		HistoryFile:       cfg.HistoryFile,
		HistoryLimit:      5000,
		HistorySearchFold: true,
		InterruptPrompt:   "^C",
		EOFPrompt:         "",
		Stdout:            cfg.Out,
		Stderr:            cfg.Out,
	}
	if rcIn, ok := cfg.In.(io.ReadCloser); ok {
		rc.Stdin = rcIn
	}
	if cfg.Complete != nil {
		rc.AutoComplete = completer{cfg.Complete}
	}
	rl, err := readline.NewEx(rc)
	if err != nil {
		return nil, fmt.Errorf("line editor: %w", err)
	}
	e.rl = rl
	return e, nil
}

// Close restores the terminal and saves history.
func (e *Editor) Close() error {
	if e.rl != nil {
		return e.rl.Close()
	}
	return nil
}

// Writer is where output goes while the user may be typing: on a
// terminal the prompt and the line being edited are redrawn below it.
func (e *Editor) Writer() io.Writer {
	if e.rl != nil {
		return &lockedWriter{mu: &e.outMu, w: e.rl.Stdout()}
	}
	return &lockedWriter{mu: &e.outMu, w: e.cfg.Out}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// ReadLine shows prompt and reads one line, returned with its "\n" (the
// last line of a plain input may lack it), or io.EOF at the end of the
// input (Ctrl-D on an empty line). It implements gl.Input, so remote
// io:get_line prompts the user here.
func (e *Editor) ReadLine(ctx context.Context, prompt string) (string, error) {
	if e.rl == nil {
		// Like erl reading a pipe: the prompt is written, the input
		// is not echoed.
		if prompt != "" {
			_, _ = io.WriteString(e.Writer(), prompt)
		}
		line, err := e.plain.ReadString('\n')
		if err != nil && line != "" && errors.Is(err, io.EOF) {
			return line, nil
		}
		return line, err
	}
	e.rl.SetPrompt(prompt)
	line, err := e.rl.Readline()
	switch {
	case errors.Is(err, readline.ErrInterrupt):
		return "", ErrInterrupt
	case err != nil:
		return "", err
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return line + "\n", nil
}

// ReadCommand reads lines until they hold a complete Erlang command
// (ending with a dot outside strings, quoted atoms and comments), with
// prompt on the first line and more on the next ones. A meta-command
// line (starting with ':') is returned at once. History keeps the
// command as one entry.
func (e *Editor) ReadCommand(ctx context.Context, prompt, more string) (string, error) {
	var b strings.Builder
	p := prompt
	for {
		line, err := e.ReadLine(ctx, p)
		if err != nil {
			if errors.Is(err, io.EOF) && strings.TrimSpace(b.String()+line) != "" {
				return b.String() + line, nil // the input ends mid-command
			}
			return "", err
		}
		if b.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ":") {
			return line, nil
		}
		b.WriteString(line)
		if strings.TrimSpace(b.String()) == "" {
			b.Reset()
			continue
		}
		if scan.Complete(b.String()) {
			return b.String(), nil
		}
		p = more
	}
}

// completer adapts Config.Complete to readline's AutoCompleter: it
// returns the suffixes that complete the word before the cursor.
type completer struct {
	f func(line string, pos int) (string, []string)
}

func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	word, cands := c.f(string(line[:pos]), pos)
	out := make([][]rune, 0, len(cands))
	for _, cand := range cands {
		if strings.HasPrefix(cand, word) {
			out = append(out, []rune(cand[len(word):]))
		}
	}
	return out, len([]rune(word))
}
