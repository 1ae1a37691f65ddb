package shellhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/erl/shellfmt"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Options configure a Host.
type Options struct {
	// Timeout bounds each module call (0: only the caller's context).
	Timeout time.Duration
	// GroupLeader is the shell process's group leader (the I/O server
	// that shows remote output); nil keeps the runtime's default.
	GroupLeader *term.Pid
	// Registry serves module calls when the target is the local node;
	// nil makes such calls fail with undef.
	Registry *rpc.Registry
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Host is an eval.Host whose module calls run on one target node and
// whose self() is a process on the local node. Its methods are called
// from the evaluating goroutine only (eval.Host's contract); SetTarget
// and Close may be called from elsewhere between evaluations.
type Host struct {
	n      *node.Node
	target term.Atom
	proc   *vm.Process
	opts   Options
}

// New starts the shell process on n and returns a Host targeting target
// (n.Name() for the local node). Close it when done.
func New(n *node.Node, target term.Atom, opts Options) (*Host, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := n.Runtime().NewProcess(vm.SpawnOptions{GroupLeader: opts.GroupLeader, Label: "avmsh:shell/0"})
	if err != nil {
		return nil, fmt.Errorf("shellhost: start the shell process on %s: %w", n.Name(), err)
	}
	return &Host{n: n, target: target, proc: p, opts: opts}, nil
}

// NewSession is New plus a shell.Session printing like the erl shell,
// with pids of the local node written as <0.X.Y>.
func NewSession(n *node.Node, target term.Atom, opts Options) (*shell.Session, *Host, error) {
	h, err := New(n, target, opts)
	if err != nil {
		return nil, nil, err
	}
	s := shell.New(h, shell.Options{Format: shellfmt.Options{Node: syntax.NodeContext{Local: n.Name()}}})
	return s, h, nil
}

// Target is the node module calls run on.
func (h *Host) Target() term.Atom { return h.target }

// SetTarget moves module calls to another node (`:target NODE`).
func (h *Host) SetTarget(target term.Atom) { h.target = target }

// Node is the local node.
func (h *Host) Node() *node.Node { return h.n }

// Process is the shell process.
func (h *Host) Process() *vm.Process { return h.proc }

// Close ends the shell process (its links and monitors fire as for any
// process exit).
func (h *Host) Close() { h.proc.Exit(vm.Normal) }

// Call runs Mod:Fun(Args) on the target. Remote exceptions become
// *eval.Exception with erpc's own frames removed from the stack; a lost
// connection or a timeout is returned as is (it ends the evaluation).
// Cancelling ctx (Ctrl-C) makes erpc kill the remote process.
func (h *Host) Call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	if h.target == h.n.Name() {
		return h.localCall(mod, fun, args)
	}
	v, err := rpc.Call(ctx, h.n, h.target, mod, fun, args, rpc.Options{Timeout: h.opts.Timeout, GroupLeader: h.opts.GroupLeader})
	if err == nil {
		return v, nil
	}
	var nc *rpc.NoConnectionError
	var to *rpc.TimeoutError
	switch {
	case errors.As(err, &nc):
		return nil, fmt.Errorf("%s:%s/%d on %s: the node is not connected (%w); `:connect %s` to retry", mod, fun, len(args), h.target, err, h.target)
	case errors.As(err, &to):
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if class, reason, stack, ok := rpc.ExceptionTerms(err); ok {
		if class == "exit" || class == "throw" {
			stack = term.Nil
		}
		return nil, &eval.Exception{Class: class, Reason: reason, Stack: trimStack(stack, mod, fun, len(args))}
	}
	return nil, err
}

// localCall serves a call to the local node from the registry.
func (h *Host) localCall(mod, fun term.Atom, args []term.Term) (term.Term, error) {
	if h.opts.Registry == nil {
		return nil, &eval.Exception{Class: "error", Reason: term.Atom("undef"), Stack: term.List{eval.Frame(mod, fun, argList(args))}}
	}
	gl := h.proc.Self()
	if h.opts.GroupLeader != nil {
		gl = *h.opts.GroupLeader
	}
	c := &rpc.CallContext{Node: h.n, Process: h.proc, Caller: h.proc.Self(), GroupLeader: gl}
	class, v, stack := h.opts.Registry.Apply(c, mod, fun, args)
	if class == "return" {
		return v, nil
	}
	if class != "error" {
		stack = term.Nil
	}
	return nil, &eval.Exception{Class: class, Reason: v, Stack: stack}
}

func argList(args []term.Term) term.Term {
	if len(args) == 0 {
		return term.Nil
	}
	return term.List(args)
}

// trimStack removes erpc's frames so that the stack is the one the erl
// shell would show for a local call: erpc:execute_call/4 and below, and
// the {Mod, Fun, Arity, []} frame erpc appends for the call itself.
func trimStack(stack term.Term, mod, fun term.Atom, arity int) term.Term {
	l, ok := stack.(term.List)
	if !ok {
		return stack
	}
	if k := len(l); k > 0 {
		if ft, ok := l[k-1].(term.Tuple); ok && len(ft) == 4 && ft[0] == mod && ft[1] == fun &&
			ft[2] == term.Int(arity) && term.Equal(ft[3], term.Nil) {
			l = l[:k-1]
			if len(l) == 0 {
				return term.Nil
			}
		}
	}
	for i, f := range l {
		if ft, ok := f.(term.Tuple); ok && len(ft) == 4 && ft[0] == term.Atom("erpc") {
			if i == 0 {
				return term.Nil
			}
			return append(term.List(nil), l[:i]...)
		}
	}
	return l
}

// Self is the shell process's pid.
func (h *Host) Self() term.Pid { return h.proc.Self() }

// Send sends msg to dest from the shell process; a bad destination is
// error:badarg.
func (h *Host) Send(_ context.Context, dest, msg term.Term) error {
	err := h.proc.Send(dest, msg)
	if err == nil {
		return nil
	}
	if errors.Is(err, vm.ErrNoProc) || !validDest(dest) {
		return &eval.Exception{Class: "error", Reason: term.Atom("badarg"), Stack: term.Nil}
	}
	// As in Erlang, a send to a node that cannot be reached is not an
	// error for the sender; say so in the log only.
	h.opts.Logger.Debug("send dropped", "dest", syntax.Write(dest, syntax.Options{}), "err", err)
	return nil
}

// Receive takes the first matching message from the shell process's
// mailbox, waiting up to timeout (< 0: forever).
func (h *Host) Receive(ctx context.Context, match func(term.Term) bool, timeout time.Duration) (term.Term, bool, error) {
	if timeout < 0 {
		timeout = vm.Infinity
	}
	m, err := h.proc.Receive(ctx, match, timeout)
	switch {
	case err == nil:
		return m, true, nil
	case errors.Is(err, vm.ErrTimeout):
		return nil, false, nil
	}
	return nil, false, err
}

// validDest reports whether dest has the shape of a send destination.
func validDest(dest term.Term) bool {
	switch d := dest.(type) {
	case term.Pid, term.Atom, term.Ref:
		return true
	case term.Tuple:
		if len(d) == 2 {
			_, ok1 := d[0].(term.Atom)
			_, ok2 := d[1].(term.Atom)
			return ok1 && ok2
		}
	}
	return false
}
