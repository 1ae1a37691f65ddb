package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/remsh"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/vm/term"
)

// Terminal is the pane a shell prints to and reads from: its output
// arrives through Write, and ReadLine (one line: io:get_line, the
// Ctrl-G menu) and ReadCommand (a whole command up to its dot, for the
// prompt) wait for the user.
type Terminal interface {
	io.Writer
	gl.Input
	remsh.CommandInput
}

// RemoteShell is a node's shell running with a Terminal (what `avmsh
// shell NODE` runs: package shellsession).
type RemoteShell interface {
	// Interrupt stops the evaluation in progress ("** exception exit:
	// killed"; the shell prompts again).
	Interrupt() error
	// Done is closed when the shell ends (the user left it, the node
	// went down); Reason then says why.
	Done() <-chan struct{}
	Reason() string
	// Stop ends the shell (the node keeps running).
	Stop()
}

// ShellSession is what a RemoteShell of Live also offers the pane: the
// session's Tab candidates and its Ctrl-G menu.
type ShellSession interface {
	Complete(ctx context.Context, before string) (string, []shellsession.Candidate)
	JobCommand(line string) (string, shellsession.JobAction)
}

// RemoteShell starts the shell of nodeName (connected to first if need
// be) with t as its terminal: OTP's own shell on a BEAM node, avmsh's
// evaluator on AtomVM, avmsh and the TUI's own node — the session of
// package shellsession that `avmsh shell` runs, with its quit rule
// (q(), halt()... leave the shell, never stop the node), meta-commands,
// completion and Ctrl-G menu. It runs until the user leaves or Stop.
func (l *Live) RemoteShell(ctx context.Context, nodeName term.Atom, t Terminal) (RemoteShell, error) {
	if nodeName != l.n.Name() {
		if _, ok := l.n.Peer(nodeName); !ok {
			if err := l.n.Connect(ctx, nodeName); err != nil {
				return nil, fmt.Errorf("connect to %s: %w", nodeName, err)
			}
		}
	}
	s, err := shellsession.Start(ctx, shellsession.Config{
		Node: l.n, Target: nodeName, Registry: l.env.local.Registry(), Terminal: t, Columns: 100,
		Connect: l.Connect, EpmdPort: l.env.epmdPort, Logger: l.env.log,
	})
	if err != nil {
		return nil, fmt.Errorf("start the shell on %s: %w", nodeName, err)
	}
	s.Background(context.Background())
	rs := &remoteShell{Session: s}
	l.mu.Lock()
	l.remotes = slices.DeleteFunc(l.remotes, func(r *remoteShell) bool {
		select {
		case <-r.Done():
			return true
		default:
			return false
		}
	})
	l.remotes = append(l.remotes, rs)
	l.mu.Unlock()
	return rs, nil
}

// remoteShell is a session as a RemoteShell.
type remoteShell struct{ *shellsession.Session }

func (r *remoteShell) Interrupt() error {
	if !r.Session.Interrupt() {
		return errors.New("no evaluation to interrupt")
	}
	return nil
}

func (r *remoteShell) Stop() { r.Close() }
