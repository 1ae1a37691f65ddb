package shell

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/erl/shellfmt"
	"github.com/avmsh/avmsh/vm/term"
)

// Options configure a Session.
type Options struct {
	// Format configures result and exception printing.
	Format shellfmt.Options
	// HistoryLength and SavedResults are the initial sizes history/1
	// and results/1 change: how many commands, and how many of their
	// values, the session keeps (0: OTP's default, 20; use
	// history/1 and results/1 for 0).
	HistoryLength, SavedResults int
	// Eval configures the evaluator (its Local handler is the session's).
	Eval eval.Options
}

// Session is one shell: bindings, command numbers, history and the
// evaluator (with its process dictionary). Not safe for concurrent use.
type Session struct {
	ev   *eval.Evaluator
	cmds eval.CommandHost // the host, when it brackets commands
	bs   *eval.Bindings
	n    int
	hist cmdHistory
	fmt  shellfmt.Options
	// out collects what built-in commands print during an evaluation.
	out *strings.Builder
	// failed: a command of the last Eval raised or did not parse.
	failed bool
}

// Failed reports whether a command of the last Eval raised an exception
// or was refused (syntax error, unbound variable): scripts exit with 1.
func (s *Session) Failed() bool { return s.failed }

// New returns a session whose module calls and messages go through host.
func New(host eval.Host, opts Options) *Session {
	s := &Session{n: 1, fmt: opts.Format, hist: cmdHistory{length: defaultSize(opts.HistoryLength), results: defaultSize(opts.SavedResults)}}
	eo := opts.Eval
	eo.Local = s.local
	s.ev = eval.New(host, eo)
	s.cmds, _ = host.(eval.CommandHost)
	return s
}

// N is the number of the next command (the prompt's "N>").
func (s *Session) N() int { return s.n }

// Bindings returns the current variable bindings.
func (s *Session) Bindings() *eval.Bindings { return s.bs }

// Evaluator returns the session's evaluator.
func (s *Session) Evaluator() *eval.Evaluator { return s.ev }

// Eval evaluates every command in src (commands end with a dot; use
// scan.SplitCommand to find where one ends) and returns what the erl
// shell would print for them, each line ending in a newline. err is set
// only for failures that are not Erlang's (the context ended, the host
// lost its connection, an *InternalError); what was printed until then
// is returned too.
func (s *Session) Eval(ctx context.Context, src string) (string, error) {
	var out strings.Builder
	err := s.EvalEach(ctx, src, func(text string) { out.WriteString(text) })
	return out.String(), err
}

// EvalEach is Eval that hands each command's output to emit as soon as
// the command has finished, so that it can be printed in order with
// the output the command caused (remote io:format) before the next
// command runs.
func (s *Session) EvalEach(ctx context.Context, src string, emit func(string)) error {
	rest := src
	s.failed = false
	for strings.TrimSpace(rest) != "" {
		cmd, r, ok := scan.SplitCommand(rest)
		if !ok {
			cmd, r = rest, ""
			if strings.TrimSpace(stripComments(cmd)) == "" {
				break
			}
		}
		rest = r
		var out strings.Builder
		err := s.safeCommand(ctx, cmd, &out)
		if out.Len() > 0 {
			emit(out.String())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// InternalError is a defect of the evaluator met while evaluating a
// command (a Go panic): the command is abandoned, its bindings are not
// kept, and the session goes on.
type InternalError struct {
	Command string
	Panic   any
	Stack   []byte
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("avmsh's evaluator failed on this command (%v); it was abandoned and the shell goes on; please report it with the command", e.Panic)
}

// safeCommand is command with a Go panic turned into an *InternalError,
// so that no expression can end the shell.
func (s *Session) safeCommand(ctx context.Context, src string, out *strings.Builder) (err error) {
	bs0 := s.bs
	defer func() {
		if p := recover(); p != nil {
			s.bs, s.out, s.failed = bs0, nil, true
			err = &InternalError{Command: src, Panic: p, Stack: debug.Stack()}
		}
	}()
	return s.command(ctx, src, out)
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '%'); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
	}
	return b.String()
}

// command evaluates one command.
func (s *Session) command(ctx context.Context, src string, out *strings.Builder) error {
	exprs, err := parse.String(src)
	if err != nil {
		var se *scan.Error
		if errors.As(err, &se) {
			out.WriteString(shellfmt.CommandError(se) + "\n")
			s.failed = true
			return nil
		}
		return err
	}
	exprs, err = s.expandHistory(ctx, exprs)
	if err != nil {
		out.WriteString("* " + err.Error() + "\n")
		s.failed = true
		return nil
	}
	n := s.n
	s.n++
	if s.cmds != nil {
		s.cmds.BeginCommand()
		defer s.cmds.EndCommand()
	}
	bs0 := s.bs
	bs := s.bs
	var v term.Term
	for _, e := range exprs {
		if cerr := eval.Check([]parse.Expr{e}, bs); cerr != nil {
			var se *scan.Error
			if errors.As(cerr, &se) {
				out.WriteString(shellfmt.CommandError(se) + "\n")
			}
			s.failed = true
			s.bs = bs0
			s.hist.add(Entry{N: n, Source: strings.TrimSpace(src), Exprs: exprs})
			return nil
		}
		s.out = out
		v, bs, err = s.ev.Exprs(ctx, []parse.Expr{e}, bs)
		s.out = nil
		if err == nil && s.cmds != nil {
			err = s.cmds.Killed()
		}
		if err != nil {
			if exc, ok := eval.AsException(err); ok {
				out.WriteString(s.formatException(ctx, exc) + "\n")
				s.failed = true
				s.bs = bs0
				s.hist.add(Entry{N: n, Source: strings.TrimSpace(src), Exprs: exprs, Value: exitValue(exc), HasValue: true})
				return nil
			}
			var ce *commandError
			if errors.As(err, &ce) {
				out.WriteString("* " + ce.msg + "\n")
				s.failed = true
				s.bs = bs0
				return nil
			}
			s.bs = bs0
			return err
		}
	}
	s.bs = bs
	out.WriteString(shellfmt.Result(v, s.fmt) + "\n")
	s.hist.add(Entry{N: n, Source: strings.TrimSpace(src), Exprs: exprs, Value: v, HasValue: true})
	return nil
}

// commandError is a shell-level error printed with the "* " tag.
type commandError struct{ msg string }

func (e *commandError) Error() string { return e.msg }

// exitValue is what the shell stores as the value of a command that
// raised: {'EXIT', Reason}, with throw's reason as {{nocatch, T}, Stack}.
func exitValue(exc *eval.Exception) term.Term {
	switch exc.Class {
	case eval.ClassThrow:
		return term.Tuple{term.Atom("EXIT"), term.Tuple{term.Tuple{term.Atom("nocatch"), exc.Reason}, exc.Stack}}
	case eval.ClassError:
		return term.Tuple{term.Atom("EXIT"), term.Tuple{exc.Reason, exc.Stack}}
	}
	return term.Tuple{term.Atom("EXIT"), term.Tuple{exc.Reason, exc.Stack}}
}

// shellBottom is the frame every stack trace of OTP's shell ends with;
// the evaluator's traces lack the shell's own frames, so it is added
// before formatting (and trimmed there, as OTP trims it).
var shellBottom = term.Tuple{term.Atom("shell"), term.Atom("eval_loop"), term.Int(3),
	term.List{term.Tuple{term.Atom("file"), term.String("shell.erl")}, term.Tuple{term.Atom("line"), term.Int(632)}}}

// formatException prints exc like the erl shell, asking the target for
// the error_info explanations of modules other than erlang.
func (s *Session) formatException(ctx context.Context, exc *eval.Exception) string {
	o := s.fmt
	if o.ExtendedError == nil {
		o.ExtendedError = func(mod, fn term.Atom, reason, stack term.Term) (shellfmt.ErrorInfo, bool) {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			v, err := s.ev.Host().Call(cctx, mod, fn, []term.Term{reason, stack})
			if err != nil {
				return shellfmt.ErrorInfo{}, false
			}
			m, ok := v.(term.Map)
			if !ok {
				return shellfmt.ErrorInfo{}, false
			}
			return shellfmt.ErrorInfoFromMap(m), true
		}
	}
	stack := exc.Stack
	if l, ok := term.AsList(stack); ok && !isCommandFC(stack) {
		stack = append(append(term.List(nil), l...), shellBottom)
	}
	return shellfmt.Exception(exc.Class, exc.Reason, stack, o)
}
