package shellsession

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/avmsh/avmsh/vm/erl/shell"
)

// runGo is the loop of avmsh's evaluator: prompt, read a command, apply
// the quit rule and meta-commands, evaluate, print each command's output
// as it finishes.
func (s *Session) runGo(ctx context.Context) error {
	for {
		select {
		case <-s.quit:
			return nil
		default:
		}
		src, err := s.term.ReadCommand(ctx, s.Prompt(), "")
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		}
		t := trimmed(src)
		if len(t) > 0 && t[0] == ':' {
			if IsQuit(t) || s.meta(ctx, t) {
				return nil
			}
			continue
		}
		before, quit := splitQuit(src)
		if trimmed(before) != "" {
			if err := s.evalGo(ctx, before); err != nil {
				return err
			}
		}
		if quit {
			return nil
		}
	}
}

// evalGo evaluates a command; Interrupt cancels it (the remote erpc
// process is killed) and the shell goes on. Only the end of ctx ends
// the loop.
func (s *Session) evalGo(ctx context.Context, src string) error {
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.cancel = cancel
	sh := s.sh
	s.mu.Unlock()
	if sh == nil {
		err := s.evalFunc(ectx, src)
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		return err
	}
	err := sh.EvalEach(ectx, src, func(out string) { _, _ = io.WriteString(s.term, out) })
	s.mu.Lock()
	s.cancel = nil
	failed := sh.Failed() || err != nil
	s.goFailed = s.goFailed || failed
	s.mu.Unlock()
	var ie *shell.InternalError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		// The session ends (SIGTERM; Ctrl-C without a terminal). The
		// evaluation's error says what became of a remote call
		// (*rpc.CanceledError) when it carries the cancellation.
		if errors.Is(err, context.Canceled) {
			return err
		}
		return ctx.Err()
	case ectx.Err() != nil:
		fmt.Fprintf(s.term, "** exception exit: killed\n")
	case errors.As(err, &ie):
		s.cfg.Logger.Error("evaluator defect", "command", ie.Command, "panic", ie.Panic, "stack", string(ie.Stack))
		fmt.Fprintf(s.term, "*** %v\n", err)
	default:
		fmt.Fprintf(s.term, "*** %v\n", err)
	}
	return nil
}

// trimmed is cmd without surrounding white space.
func trimmed(cmd string) string { return strings.TrimSpace(cmd) }
