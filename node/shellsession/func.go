package shellsession

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/avmsh/avmsh/vm/term"
)

// EvalFunc evaluates commands somewhere else (a front-end's test fake,
// which has no node): it returns what the shell prints for src and
// the number of the next command.
type EvalFunc func(ctx context.Context, src string) (out string, next int, err error)

// StartEval is a session whose commands go to eval instead of an
// evaluator of this package: the same prompt, quit rule, meta-commands
// (those that need no node answer that they are not available), Ctrl-G
// menu and Run loop.
func StartEval(target term.Atom, t Terminal, eval EvalFunc) *Session {
	s := &Session{cfg: Config{Target: target, Terminal: t, Logger: slog.New(slog.DiscardHandler), Getenv: func(string) string { return "" }},
		target: target, quit: make(chan struct{}), evalFn: eval, next: 1}
	s.term = &terminal{t: t, s: s}
	s.comp.s = s
	return s
}

// evalFunc runs a command through the session's EvalFunc.
func (s *Session) evalFunc(ctx context.Context, src string) error {
	out, next, err := s.evalFn(ctx, src)
	_, _ = io.WriteString(s.term, out)
	s.mu.Lock()
	if next > 0 {
		s.next = next
	}
	s.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(s.term, "** exception exit: killed\n")
			return nil
		}
		fmt.Fprintf(s.term, "*** %v\n", err)
	}
	return nil
}
