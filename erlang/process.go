package erlang

import (
	"context"
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// ErrExited: the process has exited (Close, Exit, or an exit signal from
// a linked process); see Process.ExitReason.
var ErrExited = errors.New("process exited")

// ProcessOptions configure NewProcess.
type ProcessOptions struct {
	// Name registers the process on this node (erlang:register/2), so
	// that other nodes can send to {Name, Node}.
	Name term.Atom
	// GroupLeader is the process's group leader: where the output of the
	// calls it makes goes. The zero pid means the node's group leader.
	GroupLeader term.Pid
	// TrapExit makes exit signals from linked processes arrive as
	// {'EXIT', Pid, Reason} messages instead of ending the process.
	TrapExit bool
}

// Process is an Erlang process driven by Go code: it has a pid and a
// mailbox, and takes part in links and monitors like any other process.
// Its methods are safe for concurrent use, though one receiver at a
// time is what Erlang code would do. Close it when done.
type Process struct {
	n *Node
	p *vm.Process
}

// NewProcess creates a process on the node.
func (n *Node) NewProcess(o ProcessOptions) (*Process, error) {
	gl := o.GroupLeader
	if gl == (term.Pid{}) {
		gl = n.GroupLeader()
	}
	p, err := n.l.Runtime().NewProcess(vm.SpawnOptions{Name: o.Name, GroupLeader: &gl, TrapExit: o.TrapExit, Label: "erlang.Process"})
	if err != nil {
		if o.Name != "" {
			return nil, fmt.Errorf("register process as %s: %w", o.Name, err)
		}
		return nil, err
	}
	return &Process{n: n, p: p}, nil
}

// Pid is the process's pid.
func (p *Process) Pid() term.Pid { return p.p.Self() }

// Send sends msg to dest, as Node.Send does, with this process as the
// sender.
func (p *Process) Send(dest, msg term.Term) error { return p.p.Send(dest, msg) }

// Receive waits for the first message in the mailbox and removes it.
// It returns ctx's error when ctx ends first, ErrExited when the process
// exits.
func (p *Process) Receive(ctx context.Context) (term.Term, error) {
	return p.ReceiveMatch(ctx, nil)
}

// ReceiveMatch waits for the first message for which match returns true
// (nil matches any) and removes it from the mailbox, leaving the others
// in order, as a selective receive does.
func (p *Process) ReceiveMatch(ctx context.Context, match func(term.Term) bool) (term.Term, error) {
	m, err := p.p.Receive(ctx, match, vm.Infinity)
	if errors.Is(err, vm.ErrExited) {
		return nil, ErrExited
	}
	return m, err
}

// Call runs module:function(args...) on node as Node.Call does, with
// this process as the caller: its group leader receives the remote
// output, and the call is abandoned when the process exits.
func (p *Process) Call(ctx context.Context, node, module, function term.Atom, args ...term.Term) (term.Term, error) {
	return p.n.call(ctx, node, module, function, args, rpc.Options{Process: p.p})
}

// Monitor monitors target (erlang:monitor(process, Target)): a pid, a
// name registered on this node (an atom) or {Name, Node}. When the
// target exits, or does not exist, or its node goes down, the process
// receives {'DOWN', Ref, process, Object, Reason}.
func (p *Process) Monitor(target term.Term) (term.Ref, error) { return p.p.Monitor(target) }

// Demonitor removes a monitor and any 'DOWN' message of it already in
// the mailbox (erlang:demonitor(Ref, [flush])); it reports whether the
// monitor was active.
func (p *Process) Demonitor(ref term.Ref) bool { return p.p.Demonitor(ref, true) }

// Link links the process to pid (erlang:link/1): when either exits
// abnormally the other gets an exit signal.
func (p *Process) Link(pid term.Pid) { p.p.Link(pid) }

// Unlink removes a link.
func (p *Process) Unlink(pid term.Pid) { p.p.Unlink(pid) }

// TrapExit sets whether exit signals arrive as {'EXIT', Pid, Reason}
// messages, and returns the previous setting.
func (p *Process) TrapExit(on bool) bool { return p.p.TrapExit(on) }

// MonitorNodes makes the process receive {nodeup, Node, Info} and
// {nodedown, Node, Info} messages (net_kernel:monitor_nodes/2 with
// nodedown_reason); false stops them.
func (p *Process) MonitorNodes(on bool) { p.n.l.MonitorNodes(p.Pid(), on) }

// SetGroupLeader makes pid the group leader of the process.
func (p *Process) SetGroupLeader(pid term.Pid) { p.p.SetGroupLeader(pid) }

// Exit ends the process with reason: linked processes get an exit
// signal, monitors a 'DOWN' message, and a registered name is freed.
func (p *Process) Exit(reason term.Term) { p.p.Exit(reason) }

// Close ends the process with reason normal.
func (p *Process) Close() { p.p.Exit(vm.Normal) }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.p.Done() }

// ExitReason is why the process exited (nil while it runs).
func (p *Process) ExitReason() term.Term { return p.p.ExitReason() }
