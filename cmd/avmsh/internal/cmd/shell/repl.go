package shellcmd

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/lineedit"
	"github.com/avmsh/avmsh/node/shellsession"
)

// repl joins the line editor (this front-end's UI) and the shell
// session (everything else, package shellsession).
type repl struct {
	ed *lineedit.Editor

	mu   sync.Mutex
	sess *shellsession.Session
}

func (r *repl) setSession(s *shellsession.Session) {
	r.mu.Lock()
	r.sess = s
	r.mu.Unlock()
}

func (r *repl) session() *shellsession.Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sess
}

// interrupt is Ctrl-C during an evaluation.
func (r *repl) interrupt() bool {
	if s := r.session(); s != nil {
		return s.Interrupt()
	}
	return false
}

// complete is the editor's Tab: the session's candidates.
func (r *repl) complete(before string, _ int) (string, []lineedit.Candidate) {
	s := r.session()
	if s == nil {
		return "", nil
	}
	word, cands := s.Complete(context.Background(), before)
	out := make([]lineedit.Candidate, len(cands))
	for i, c := range cands {
		out[i] = lineedit.Candidate{Text: c.Text, Display: c.Display}
	}
	return word, out
}

// editorTerminal is the session's Terminal on the line editor: its
// Ctrl-C at an io:get_line prompt and its Ctrl-G become the session's
// ErrInterrupted and ErrJobControl.
type editorTerminal struct{ r *repl }

func (t editorTerminal) Write(b []byte) (int, error) { return t.r.ed.Writer().Write(b) }

func (t editorTerminal) ReadLine(ctx context.Context, prompt string) (string, error) {
	line, err := t.r.ed.ReadLine(ctx, prompt)
	if errors.Is(err, lineedit.ErrInterrupt) {
		err = shellsession.ErrInterrupted
	}
	return line, err
}

func (t editorTerminal) ReadCommand(ctx context.Context, prompt, more string) (string, error) {
	cmd, err := t.r.ed.ReadCommand(ctx, prompt, more)
	if errors.Is(err, lineedit.ErrJobControl) {
		err = shellsession.ErrJobControl
	}
	return cmd, err
}

// ctrlG is a Ctrl-G that the terminal made a signal (it is in its
// normal mode while no read is on screen): the job-control menu of the
// evaluation in progress, or, when none is (the signal came between an
// evaluation's end and the next prompt), a key for the line editor, in
// its place after the keys typed before it.
func (r *repl) ctrlG(ctx context.Context, end func()) {
	if s := r.session(); s != nil && s.Evaluating() {
		r.jobMenu(ctx, end)
		return
	}
	r.ed.QueueCtrlG()
}

// jobMenu is Ctrl-G during an evaluation: erl's job-control menu, whose
// commands the session runs (i interrupts the evaluation, c returns, q
// leaves: end stops the session).
func (r *repl) jobMenu(ctx context.Context, end func()) {
	s := r.session()
	if s == nil {
		return
	}
	w := r.ed.Writer()
	_, _ = io.WriteString(w, "\n"+shellsession.JobBanner)
	for {
		line, err := r.ed.ReadLine(ctx, shellsession.JobPrompt)
		switch {
		case errors.Is(err, lineedit.ErrInterrupt):
			continue
		case errors.Is(err, io.EOF):
			s.Interrupt()
			end()
			return
		case err != nil:
			return
		}
		out, act := s.JobCommand(line)
		_, _ = io.WriteString(w, out)
		switch act {
		case shellsession.JobResume:
			return
		case shellsession.JobLeave:
			s.Interrupt()
			end()
			return
		}
	}
}
