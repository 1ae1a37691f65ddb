package shellcmd

import (
	"context"
	"errors"
	"strings"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/remsh"
	"github.com/avmsh/avmsh/vm/term"
)

// runRemote runs OTP's shell on the BEAM target until the input ends,
// q(). is typed, or the shell dies (the node went away).
func (r *repl) runRemote(ctx context.Context) error {
	r.mu.Lock()
	r.quit = make(chan struct{})
	r.mu.Unlock()
	r.scanner.Node, r.scanner.Target, r.scanner.Timeout = r.s.Node, r.s.Target, r.o.Timeout
	sess, err := remsh.Start(ctx, r.s.Node, r.s.Target, r.s.GL.Pid())
	if err != nil {
		return err
	}
	defer sess.Stop()
	r.comp.host = remoteCaller{r}
	r.mu.Lock()
	r.remote = sess
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.remote = nil
		r.mu.Unlock()
	}()
	select {
	case <-r.quit:
		return nil
	case reason := <-sess.Done():
		if reason == term.Atom("noconnection") {
			return cmdutil.Unreachable(errors.New("the connection to " + string(r.s.Target) + " was lost"))
		}
		return nil
	case <-ctx.Done():
		return nil
	}
}

// endRemote ends the remote session (the input ended).
func (r *repl) endRemote() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.quit != nil && !r.quitted {
		r.quitted = true
		close(r.quit)
	}
}

// onRemoteLine sees each line typed into OTP's shell: meta-commands run
// here, and q(). / halt(). leave the session instead of stopping the
// target node (which is what they do in erl -remsh).
func (r *repl) onRemoteLine(line string) (string, bool) {
	t := strings.TrimSpace(line)
	switch {
	case t == "q()." || t == "halt()." || t == "init:stop()." || t == ":quit" || t == ":q":
		return "", false
	case strings.HasPrefix(t, ":"):
		if r.meta(context.Background(), t, false) {
			return "", false
		}
		return "\n", true
	}
	return line, true
}

// remoteCaller makes module calls for completion in remote mode.
type remoteCaller struct{ r *repl }

func (c remoteCaller) Call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	return rpcCall(ctx, c.r.s, mod, fun, args)
}
