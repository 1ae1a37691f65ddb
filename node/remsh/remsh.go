package remsh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Scanner answers the OTP shell's get_until requests by scanning input
// lines with erl_scan:tokens/3 on the target. Install Scanner.GetUntil
// as gl.Options.GetUntil. Characters left after a complete command are
// kept for the next request, as OTP's group does.
type Scanner struct {
	// Node and Target are where erl_scan runs.
	Node   *node.Node
	Target term.Atom
	// Timeout bounds each erl_scan call (0: 10 s).
	Timeout time.Duration
	// OnLine, when set, sees every line (or whole command, from a
	// CommandInput) read, before scanning; it may replace it
	// (returning ok=false ends the input: eof).
	OnLine func(line string) (string, bool)
	// OnEOF is called when the input ends. The OTP shell halts its node
	// on eof, so the eof is never passed on: the request waits until
	// ctx ends, and OnEOF is expected to stop the session (Session.Stop).
	// Without OnEOF the eof goes to the shell.
	OnEOF func()

	mu   sync.Mutex
	rest string
}

// CommandInput is a gl.Input that can read a whole command at once (a
// line editor that edits multi-line commands as one buffer); the
// Scanner prefers it to ReadLine. more is the prompt of the command's
// next lines ("" lets the input choose).
type CommandInput interface {
	ReadCommand(ctx context.Context, prompt, more string) (string, error)
}

// GetUntil implements gl.Options.GetUntil for erl_scan:tokens; other
// scanners are refused with an error the shell reports.
func (s *Scanner) GetUntil(ctx context.Context, in gl.Input, prompt string, m, f term.Atom, args term.Term) (term.Term, error) {
	if m != "erl_scan" || f != "tokens" {
		return nil, fmt.Errorf("get_until %s:%s is not supported by avmsh's terminal", m, f)
	}
	loc := term.Term(term.Int(1))
	if l, ok := term.AsList(args); ok && len(l) == 1 {
		loc = l[0]
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	var cont term.Term = term.Nil
	s.mu.Lock()
	pending := s.rest
	s.rest = ""
	s.mu.Unlock()
	for {
		var chars term.Term
		if pending != "" {
			chars, pending = term.String(pending), ""
		} else {
			if in == nil {
				return s.eof(ctx, loc)
			}
			var line string
			var err error
			if ci, ok := in.(CommandInput); ok {
				line, err = ci.ReadCommand(ctx, prompt, "")
			} else {
				line, err = in.ReadLine(ctx, prompt)
			}
			if s.OnLine != nil && err == nil {
				var ok bool
				if line, ok = s.OnLine(line); !ok {
					err = io.EOF
				}
			}
			switch {
			case errors.Is(err, io.EOF) && line == "":
				if term.IsProperList(cont) || s.OnEOF != nil {
					return s.eof(ctx, loc)
				}
				chars = term.Atom("eof")
			case err != nil && !errors.Is(err, io.EOF):
				return nil, err
			default:
				chars = term.String(line)
			}
		}
		v, err := rpc.Call(ctx, s.Node, s.Target, "erl_scan", "tokens", []term.Term{cont, chars, loc}, rpc.Options{Timeout: timeout})
		if err != nil {
			return nil, fmt.Errorf("scan input on %s: %w", s.Target, err)
		}
		t, ok := v.(term.Tuple)
		if !ok || len(t) == 0 {
			return nil, fmt.Errorf("scan input on %s: unexpected answer %v", s.Target, v)
		}
		switch {
		case t[0] == term.Atom("more") && len(t) == 2:
			cont = t[1]
			if chars == term.Atom("eof") {
				return s.eof(ctx, loc)
			}
		case t[0] == term.Atom("done") && len(t) == 3:
			if r, ok := term.AsList(t[2]); ok && len(r) > 0 {
				s.mu.Lock()
				s.rest = listText(r)
				s.mu.Unlock()
			}
			return t[1], nil
		default:
			return nil, fmt.Errorf("scan input on %s: unexpected answer %v", s.Target, v)
		}
	}
}

// eof ends the input: through OnEOF when set (the shell never sees it),
// else as {eof, Loc} to the shell.
func (s *Scanner) eof(ctx context.Context, loc term.Term) (term.Term, error) {
	if s.OnEOF == nil {
		return term.Tuple{term.Atom("eof"), loc}, nil
	}
	s.OnEOF()
	<-ctx.Done()
	return nil, ctx.Err()
}

// listText turns a character list back into text.
func listText(l term.List) string {
	var b strings.Builder
	for _, c := range l {
		if i, ok := c.(term.Int); ok {
			b.WriteRune(rune(i))
		}
	}
	return b.String()
}

// Session is an OTP shell running on a BEAM node for avmsh.
type Session struct {
	n     *node.Node
	shell term.Pid
	down  chan term.Term
	watch *vm.Process
}

// Start starts the OTP shell (shell:start/0) on target with gl as its
// group leader and returns once it runs. The shell prints its banner
// and first prompt through gl.
func Start(ctx context.Context, n *node.Node, target term.Atom, glPid term.Pid) (*Session, error) {
	v, err := rpc.Call(ctx, n, target, "shell", "start", nil, rpc.Options{GroupLeader: &glPid, Timeout: 15 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("start the OTP shell on %s: %w", target, err)
	}
	pid, ok := v.(term.Pid)
	if !ok {
		return nil, fmt.Errorf("start the OTP shell on %s: shell:start() returned %v", target, v)
	}
	w, err := n.Runtime().NewProcess(vm.SpawnOptions{Label: "avmsh:remsh_watch/0"})
	if err != nil {
		return nil, err
	}
	if _, err := w.Monitor(pid); err != nil {
		w.Exit(vm.Normal)
		return nil, fmt.Errorf("monitor the shell on %s: %w", target, err)
	}
	s := &Session{n: n, shell: pid, down: make(chan term.Term, 1), watch: w}
	go func() {
		m, err := w.Receive(w.Context(), func(m term.Term) bool {
			t, ok := m.(term.Tuple)
			return ok && len(t) == 5 && t[0] == term.Atom("DOWN")
		}, vm.Infinity)
		if err != nil {
			s.down <- term.Atom("stopped")
			return
		}
		s.down <- m.(term.Tuple)[4]
	}()
	return s, nil
}

// Shell is the pid of the shell process on the target.
func (s *Session) Shell() term.Pid { return s.shell }

// Done delivers the shell's exit reason when it ends (q(), a lost
// connection: noconnection).
func (s *Session) Done() <-chan term.Term { return s.down }

// Interrupt stops the evaluation the shell is running, as Ctrl-G i does
// in erl: the shell kills its evaluator and prints
// "** exception exit: killed", then prompts again.
func (s *Session) Interrupt() error {
	return s.n.Runtime().ExitSignal(s.watch.Self(), s.shell, term.Atom("interrupt"))
}

// Stop ends the shell on the target (its evaluator goes with it).
func (s *Session) Stop() {
	_ = s.n.Runtime().ExitSignal(s.watch.Self(), s.shell, term.Atom("kill"))
	s.watch.Exit(vm.Normal)
}
