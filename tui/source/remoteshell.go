package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/remsh"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// ErrNoRemoteShell is returned by RemoteShell for nodes that cannot run
// OTP's shell (AtomVM, avmsh, the local node): the pane uses avmsh's
// evaluator (Eval) for them.
var ErrNoRemoteShell = errors.New("the node cannot run OTP's shell")

// Terminal is the pane a remote shell prints to and reads from: its
// output arrives through Write, and ReadLine (one line, for io:get_line)
// and ReadCommand (a whole command up to its dot, for the shell's
// prompt) wait for the user.
type Terminal interface {
	io.Writer
	gl.Input
	remsh.CommandInput
}

// RemoteShell is OTP's own shell running on a BEAM node with a Terminal
// as its group leader (what `avmsh shell NODE` runs).
type RemoteShell interface {
	// Interrupt kills the evaluation in progress (the shell prints
	// "** exception exit: killed" and prompts again).
	Interrupt() error
	// Done is closed when the shell ends (the node went down); Reason
	// then says why.
	Done() <-chan struct{}
	Reason() string
	// Stop ends the shell on the node.
	Stop()
}

// RemoteShell starts OTP's shell on nodeName, a BEAM node (connected to
// first if need be), with t as its terminal. q(), halt() and init:stop() typed at its
// prompt are not passed on (they would stop the node, as they do under
// erl -remsh); a note says so. Nodes that are not BEAM get
// ErrNoRemoteShell.
func (l *Live) RemoteShell(ctx context.Context, nodeName term.Atom, t Terminal) (RemoteShell, error) {
	if nodeName == l.n.Name() {
		return nil, ErrNoRemoteShell
	}
	p, ok := l.n.Peer(nodeName)
	if !ok {
		if err := l.n.Connect(ctx, nodeName); err != nil {
			return nil, fmt.Errorf("connect to %s: %w", nodeName, err)
		}
		if p, ok = l.n.Peer(nodeName); !ok {
			return nil, fmt.Errorf("connect to %s: the connection went down at once", nodeName)
		}
	}
	if p.Kind != node.KindBEAM {
		return nil, ErrNoRemoteShell
	}
	sc := &remsh.Scanner{Node: l.n, Target: nodeName}
	sc.OnLine = func(line string) (string, bool) {
		switch strings.TrimSpace(line) {
		case "q().", "halt().", "init:stop().", "erlang:halt().":
			fmt.Fprintf(t, "(%s is not passed on: it would stop %s; leave the shell with esc)\n", strings.TrimSpace(line), nodeName)
			return "\n", true
		}
		return line, true
	}
	g, err := gl.Start(l.n.Runtime(), gl.Options{
		Out: t, In: t, Columns: 100, GetUntil: sc.GetUntil,
		Print: iolib.Options{Node: syntax.NodeContext{Local: l.n.Name()}},
	})
	if err != nil {
		return nil, fmt.Errorf("start a group leader for the shell on %s: %w", nodeName, err)
	}
	s, err := remsh.Start(ctx, l.n, nodeName, g.Pid())
	if err != nil {
		g.Stop()
		var ex *rpc.RemoteError
		if errors.As(err, &ex) {
			// Another avmsh also answers as BEAM: it has no shell
			// module (error:undef).
			return nil, fmt.Errorf("%w: %v", ErrNoRemoteShell, err)
		}
		return nil, err
	}
	rs := &remoteShell{s: s, g: g, done: make(chan struct{})}
	go func() {
		r := <-s.Done()
		rs.mu.Lock()
		rs.reason = syntax.Write(r, syntax.Options{})
		rs.mu.Unlock()
		g.Stop()
		close(rs.done)
	}()
	l.mu.Lock()
	l.remotes = slices.DeleteFunc(l.remotes, func(r *remoteShell) bool {
		select {
		case <-r.done:
			return true
		default:
			return false
		}
	})
	l.remotes = append(l.remotes, rs)
	l.mu.Unlock()
	return rs, nil
}

type remoteShell struct {
	s    *remsh.Session
	g    *gl.Server
	done chan struct{}

	mu     sync.Mutex
	reason string
}

func (r *remoteShell) Interrupt() error      { return r.s.Interrupt() }
func (r *remoteShell) Done() <-chan struct{} { return r.done }

func (r *remoteShell) Reason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason
}

func (r *remoteShell) Stop() {
	r.s.Stop()
	r.g.Stop()
}
