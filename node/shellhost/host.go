package shellhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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
	// OnExit, when set, is told (on a goroutine of its own) that the
	// shell process died while no evaluation was using it (a linked
	// process exited, say), with the text the erl shell prints then:
	// "** exception exit: Reason\n". A death during an evaluation is
	// that evaluation's exception instead. Either way the next use
	// starts a new shell process, as the erl shell starts a new
	// evaluator; bindings are the session's and survive.
	OnExit func(text string)
}

// Host is an eval.Host whose module calls run on one target node and
// whose self() is a process on the local node. Its methods are called
// from the evaluating goroutine only (eval.Host's contract); SetTarget,
// Target, Process and Close may be called from elsewhere.
type Host struct {
	n    *node.Node
	opts Options

	mu     sync.Mutex
	target term.Atom
	proc   *vm.Process
	busy   int         // host operations in progress
	cmd    bool        // a shell command is being evaluated
	told   *vm.Process // the dead process whose exit was reported
	closed bool
}

// New starts the shell process on n and returns a Host targeting target
// (n.Name() for the local node). Close it when done.
func New(n *node.Node, target term.Atom, opts Options) (*Host, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Host{n: n, target: target, opts: opts}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.startProcess(); err != nil {
		return nil, err
	}
	return h, nil
}

// startProcess starts a shell process (called with h.mu held).
func (h *Host) startProcess() error {
	p, err := h.n.Runtime().NewProcess(vm.SpawnOptions{GroupLeader: h.opts.GroupLeader, Label: "avmsh:shell/0"})
	if err != nil {
		return fmt.Errorf("shellhost: start the shell process on %s: %w", h.n.Name(), err)
	}
	h.proc = p
	go h.watch(p)
	return nil
}

// watch reports the death of p when no operation saw it.
func (h *Host) watch(p *vm.Process) {
	<-p.Done()
	h.mu.Lock()
	if h.closed || h.busy > 0 || h.cmd || h.told == p || h.proc != p {
		h.mu.Unlock()
		return
	}
	h.told = p
	h.mu.Unlock()
	if h.opts.OnExit != nil {
		h.opts.OnExit(h.exitText(p.ExitReason()))
	}
}

// exitText is what the erl shell prints when its evaluator dies.
func (h *Host) exitText(reason term.Term) string {
	s := shellfmt.Exception("exit", reason, term.Nil, shellfmt.Options{Encoding: syntax.Unicode, Node: syntax.NodeContext{Local: h.n.Name()}})
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// begin starts an operation on the shell process, starting a new one if
// the last one died; a death during the current command that nobody has
// reported yet fails the operation instead (see BeginCommand).
func (h *Host) begin() (*vm.Process, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proc.Dead() && !h.closed {
		if err := h.killedLocked(); err != nil {
			return nil, err
		}
		if err := h.startProcess(); err != nil {
			return nil, err
		}
	}
	h.busy++
	return h.proc, nil
}

// end ends an operation: if p died during it, the operation fails with
// exit:Reason, the exception the erl shell prints when its evaluator is
// killed.
func (h *Host) end(p *vm.Process, err error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.busy--
	if p.Dead() && !h.closed && h.told != p {
		h.told = p
		return exitException(p)
	}
	return err
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
func (h *Host) Target() term.Atom {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.target
}

// SetTarget moves module calls to another node (`:target NODE`).
func (h *Host) SetTarget(target term.Atom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.target = target
}

// Node is the local node.
func (h *Host) Node() *node.Node { return h.n }

// Process is the current shell process.
func (h *Host) Process() *vm.Process {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.proc
}

// Close ends the shell process (its links and monitors fire as for any
// process exit).
func (h *Host) Close() {
	h.mu.Lock()
	h.closed = true
	p := h.proc
	h.mu.Unlock()
	p.Exit(vm.Normal)
}

// Call runs Mod:Fun(Args) on the target. Remote exceptions become
// *eval.Exception with erpc's own frames removed from the stack; a lost
// connection or a timeout is returned as is (it ends the evaluation).
// Cancelling ctx (Ctrl-C) makes erpc kill the remote process; so does
// the death of the shell process (then the call fails with exit:Reason).
func (h *Host) Call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	p, err := h.begin()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.Context(), cancel)
	v, err := h.call(ctx, p, mod, fun, args)
	stop()
	cancel()
	if err := h.end(p, err); err != nil {
		return nil, err
	}
	return v, nil
}

func (h *Host) call(ctx context.Context, p *vm.Process, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	return h.callOn(ctx, p, h.Target(), mod, fun, args)
}

// callOn runs Mod:Fun(Args) on target (erpc, or the registry for the
// local node).
func (h *Host) callOn(ctx context.Context, p *vm.Process, target, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	if target == h.n.Name() {
		return h.localCall(ctx, p, mod, fun, args)
	}
	v, err := rpc.Call(ctx, h.n, target, mod, fun, args, rpc.Options{Timeout: h.opts.Timeout, GroupLeader: h.opts.GroupLeader})
	if err == nil {
		return v, nil
	}
	var nc *rpc.NoConnectionError
	var to *rpc.TimeoutError
	switch {
	case errors.As(err, &nc):
		return nil, fmt.Errorf("%s:%s/%d on %s: the node is not connected (%w); `:connect %s` to retry", mod, fun, len(args), target, err, target)
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
func (h *Host) localCall(ctx context.Context, p *vm.Process, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	if h.opts.Registry == nil {
		return nil, &eval.Exception{Class: "error", Reason: term.Atom("undef"), Stack: term.List{eval.Frame(mod, fun, argList(args))}}
	}
	gl := p.GroupLeader()
	c := &rpc.CallContext{Node: h.n, Process: p, Caller: p.Self(), GroupLeader: gl, Ctx: ctx}
	class, v, stack := h.opts.Registry.Apply(c, mod, fun, args)
	if class == "return" {
		return v, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted (Ctrl-C): the evaluation ends, as for a remote call
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
	l, ok := term.AsList(stack)
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

// Self is the shell process's pid (a new process if the last one died
// before the current command).
func (h *Host) Self() term.Pid {
	if pid, ok := h.killedPid(); ok {
		return pid // the next operation, or Killed, reports the death
	}
	p, err := h.begin()
	if err != nil {
		return h.Process().Self()
	}
	_ = h.end(p, nil)
	return p.Self()
}

// Send sends msg to dest from the shell process; a bad destination is
// error:badarg.
func (h *Host) Send(_ context.Context, dest, msg term.Term) error {
	p, err := h.begin()
	if err != nil {
		return err
	}
	err = p.Send(dest, msg)
	switch {
	case err == nil:
	case errors.Is(err, vm.ErrNoProc) || !validDest(dest):
		err = &eval.Exception{Class: "error", Reason: term.Atom("badarg"), Stack: term.Nil}
	default:
		// As in Erlang, a send to a node that cannot be reached is
		// not an error for the sender; say so in the log only.
		h.opts.Logger.Debug("send dropped", "dest", syntax.Write(dest, syntax.Options{}), "err", err)
		err = nil
	}
	return h.end(p, err)
}

// Receive takes the first matching message from the shell process's
// mailbox, waiting up to timeout (< 0: forever).
func (h *Host) Receive(ctx context.Context, match func(term.Term) bool, timeout time.Duration) (term.Term, bool, error) {
	if timeout < 0 {
		timeout = vm.Infinity
	}
	p, err := h.begin()
	if err != nil {
		return nil, false, err
	}
	m, err := p.Receive(ctx, match, timeout)
	found := err == nil
	if errors.Is(err, vm.ErrTimeout) {
		err = nil
	}
	if err := h.end(p, err); err != nil {
		return nil, false, err
	}
	return m, found, nil
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
