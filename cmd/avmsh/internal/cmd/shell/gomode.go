package shellcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/term"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

// runGo runs the loop with avmsh's evaluator.
func (r *repl) runGo(ctx context.Context) error {
	glPid := r.s.GL.Pid()
	sess, host, err := shellhost.NewSession(r.s.Node, r.s.Target, shellhost.Options{
		GroupLeader: &glPid, Registry: r.s.Registry,
		// The shell process killed by a link while idle: printed as
		// the erl shell prints its evaluator's death.
		OnExit: func(text string) { r.printf("%s", text) },
	})
	if err != nil {
		return err
	}
	defer host.Close()
	r.comp.host = host
	r.comp.session = sess
	r.goHost = host
	for {
		prompt := fmt.Sprintf("(%s)%d> ", host.Target(), sess.N())
		src, err := r.ed.ReadCommand(ctx, prompt, "")
		switch {
		case errors.Is(err, io.EOF):
			if r.interactive {
				r.printf("\n")
			}
			return nil
		case err != nil:
			return err
		}
		t := strings.TrimSpace(src)
		if t == "q()." || t == "halt()." {
			return nil
		}
		if strings.HasPrefix(t, ":") {
			if r.meta(ctx, t, true) {
				return nil
			}
			continue
		}
		if err := r.evalOne(ctx, sess, src); err != nil {
			return err
		}
	}
}

// evalOne evaluates a command; Ctrl-C cancels it (the remote erpc
// process is killed) and the shell goes on.
func (r *repl) evalOne(ctx context.Context, sess *shell.Session, src string) error {
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	out, err := sess.Eval(ectx, src)
	r.mu.Lock()
	r.cancel = nil
	r.mu.Unlock()
	r.printf("%s", out)
	if sess.Failed() {
		r.goFail = true
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err() // the session ends (SIGTERM)
	case ectx.Err() != nil:
		r.printf("** exception exit: killed\n")
		r.goFail = true
	default:
		r.printf("*** %v\n", err)
		r.goFail = true
	}
	return nil
}

// rpcCall calls on the session's target with its group leader.
func rpcCall(ctx context.Context, s *cmdutil.Session, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	gl := s.GL.Pid()
	return rpc.Call(ctx, s.Node, s.Target, mod, fun, args, rpc.Options{GroupLeader: &gl})
}
