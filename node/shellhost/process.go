package shellhost

import (
	"context"
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/dist"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/term"
)

var _ eval.ProcessHost = (*Host)(nil)

// bifBadarg is error:badarg raised by erlang:Name(Args), with the frame
// a BIF puts on top of the stack (the shell explains the bad argument
// from it, through erl_erts_errors).
func bifBadarg(name term.Atom, args []term.Term) error {
	info := term.List{term.Tuple{term.Atom("error_info"), term.NewMap(term.KV{Key: term.Atom("module"), Value: term.Atom("erl_erts_errors")})}}
	return &eval.Exception{Class: "error", Reason: term.Atom("badarg"),
		Stack: term.List{term.Tuple{term.Atom("erlang"), name, argList(args), info}}}
}

// ProcessBIF runs the BIFs that act on the shell process itself (link,
// monitor, trap_exit, group_leader...) on the local shell process; the
// evaluator sends every other BIF to the target.
func (h *Host) ProcessBIF(ctx context.Context, name term.Atom, args []term.Term) (term.Term, bool, error) {
	p, err := h.begin()
	if err != nil {
		return nil, true, err
	}
	v, handled, err := h.processBIF(ctx, p, name, args)
	if err := h.end(p, err); err != nil {
		return nil, true, err
	}
	return v, handled, nil
}

func (h *Host) processBIF(ctx context.Context, p *vm.Process, name term.Atom, args []term.Term) (term.Term, bool, error) {
	switch {
	case name == "link" && len(args) == 1:
		pid, ok := args[0].(term.Pid)
		if !ok {
			return nil, true, bifBadarg(name, args)
		}
		p.Link(pid)
		return term.True, true, nil
	case name == "unlink" && len(args) == 1:
		pid, ok := args[0].(term.Pid)
		if !ok {
			return nil, true, bifBadarg(name, args)
		}
		p.Unlink(pid)
		return term.True, true, nil
	case name == "monitor" && len(args) == 2:
		if args[0] != term.Atom("process") {
			return nil, false, nil
		}
		ref, err := p.Monitor(args[1])
		if err != nil {
			return nil, true, bifBadarg(name, args)
		}
		return ref, true, nil
	case name == "demonitor" && (len(args) == 1 || len(args) == 2):
		ref, ok := args[0].(term.Ref)
		if !ok {
			return nil, true, bifBadarg(name, args)
		}
		flush := false
		if len(args) == 2 {
			opts, ok := term.AsList(args[1])
			if !ok {
				return nil, true, bifBadarg(name, args)
			}
			for _, o := range opts {
				flush = flush || o == term.Atom("flush")
			}
		}
		p.Demonitor(ref, flush)
		return term.True, true, nil
	case name == "process_flag" && len(args) == 2 && args[0] == term.Atom("trap_exit"):
		on, ok := args[1].(term.Atom)
		if !ok || (on != term.True && on != term.False) {
			return nil, true, bifBadarg(name, args)
		}
		return term.Bool(p.TrapExit(on == term.True)), true, nil
	case name == "group_leader" && len(args) == 0:
		return p.GroupLeader(), true, nil
	case name == "register" && len(args) == 2:
		n, ok1 := args[0].(term.Atom)
		pid, ok2 := args[1].(term.Pid)
		if !ok1 || !ok2 || !h.n.Runtime().IsLocal(pid) || n == "undefined" {
			return nil, false, nil // a remote pid: let the target answer
		}
		if err := h.n.Runtime().Register(n, pid); err != nil {
			return nil, true, bifBadarg(name, args)
		}
		return term.True, true, nil
	case name == "unregister" && len(args) == 1:
		n, ok := args[0].(term.Atom)
		if !ok {
			return nil, true, bifBadarg(name, args)
		}
		if err := h.n.Runtime().Unregister(n); err != nil {
			return nil, true, bifBadarg(name, args)
		}
		return term.True, true, nil
	case name == "spawn_link" || name == "spawn_monitor":
		return h.spawn(ctx, p, name == "spawn_monitor", args)
	case name == "is_process_alive" && len(args) == 1:
		pid, ok := args[0].(term.Pid)
		if !ok || !h.n.Runtime().IsLocal(pid) {
			return nil, false, nil // the target answers (badarg for a pid of another node)
		}
		q, ok := h.n.Runtime().Lookup(pid)
		return term.Bool(ok && !q.Dead()), true, nil
	case name == "process_info" && (len(args) == 1 || len(args) == 2):
		pid, ok := args[0].(term.Pid)
		if !ok || !h.n.Runtime().IsLocal(pid) || h.opts.Registry == nil {
			return nil, false, nil
		}
		// A process of avmsh's node (the shell's own): the node's
		// built-in erlang:process_info answers.
		v, err := h.localCall(ctx, p, "erlang", name, args)
		return v, true, err
	case name == "exit" && len(args) == 2:
		pid, ok := args[0].(term.Pid)
		if !ok {
			return nil, false, nil
		}
		err := h.n.Runtime().ExitSignal(p.Self(), pid, args[1])
		if errors.Is(err, dist.ErrUnsupported) {
			// AtomVM takes no EXIT2 (spec atomvm-dist.md §2.4: it
			// would kill the connection, which is what erl's exit/2
			// does to a board); its own erlang:exit/2, run there
			// through erpc (§3.4), delivers the signal instead. The
			// sender the process sees is the erpc process.
			_, err = h.callOn(ctx, p, pid.Node, "erlang", "exit", args)
		}
		if err != nil && !errors.Is(err, vm.ErrNoProc) {
			return nil, true, err
		}
		return term.True, true, nil
	}
	return nil, false, nil
}

// spawn runs spawn_link/1..4 and spawn_monitor/1..4 with the shell
// process as the parent: a spawn request to the node (the target unless
// given) for M:F(A) or erlang:apply(Fun, []), linked to or monitored by
// the shell process, so that the exit signal or 'DOWN' message reaches
// it as in the erl shell. Spawns on avmsh's own node are left to the
// target (handled=false).
func (h *Host) spawn(ctx context.Context, p *vm.Process, monitor bool, args []term.Term) (term.Term, bool, error) {
	name, all := term.Atom("spawn_link"), args
	if monitor {
		name = "spawn_monitor"
	}
	nodeName := h.Target()
	if len(args) == 2 || len(args) == 4 {
		a, ok := args[0].(term.Atom)
		if !ok {
			return nil, true, bifBadarg(name, all)
		}
		nodeName, args = a, args[1:]
	}
	var mod, fun term.Atom
	var fargs []term.Term
	switch len(args) {
	case 1:
		switch args[0].(type) {
		case term.ExportFun, *term.Fun:
		default:
			return nil, true, bifBadarg(name, all)
		}
		mod, fun, fargs = "erlang", "apply", []term.Term{args[0], term.Nil}
	case 3:
		m, ok1 := args[0].(term.Atom)
		f, ok2 := args[1].(term.Atom)
		l, ok3 := term.AsList(args[2])
		if !ok1 || !ok2 || !ok3 {
			return nil, true, bifBadarg(name, all)
		}
		mod, fun, fargs = m, f, l
	default:
		return nil, false, nil
	}
	if nodeName == h.n.Name() {
		return nil, false, nil
	}
	if err := h.n.Connect(ctx, nodeName); err != nil {
		// As in Erlang: the spawn "succeeds" with a pid that exits
		// with noconnection at once; here the evaluation is told.
		return nil, true, fmt.Errorf("spawn on %s: %w", nodeName, err)
	}
	if peer, ok := h.n.Peer(nodeName); ok && peer.Kind == node.KindAtomVM {
		return h.spawnAtomVM(ctx, p, nodeName, monitor, mod, fun, fargs)
	}
	req, err := h.n.SpawnRequest(p, nodeName, mod, fun, fargs, node.SpawnOptions{Link: !monitor, Monitor: monitor})
	if err != nil {
		return nil, true, fmt.Errorf("spawn on %s: %w", nodeName, err)
	}
	m, err := p.Receive(ctx, func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) == 4 && t[0] == term.Atom("spawn_reply") && t[1] == req
	}, vm.Infinity)
	if err != nil {
		return nil, true, err
	}
	reply := m.(term.Tuple)
	if reply[2] != term.Atom("ok") {
		if monitor { // the monitor reports the failure too
			p.Demonitor(req, true)
		}
		return nil, true, &eval.Exception{Class: "error", Reason: reply[3], Stack: term.Nil}
	}
	if monitor {
		return term.Tuple{reply[3], req}, true, nil
	}
	return reply[3], true, nil
}

// spawnAtomVM is spawn_link/spawn_monitor on an AtomVM node. AtomVM
// ignores the link option of a SPAWN_REQUEST and aborts the whole VM
// when the function is not exported (spec atomvm-dist.md §3.4), so the
// process is started by erlang:spawn/3 on the board, through erpc (an
// unknown function is then the new process's undef, as on BEAM), and
// the shell process links to it (LINK, §2.3) or monitors it (MONITOR_P,
// §2.3). A process that is already gone by then gives the monitor a
// noproc DOWN; a link to it gets no answer from AtomVM (§2.3), as erl's
// own link would not.
func (h *Host) spawnAtomVM(ctx context.Context, p *vm.Process, nodeName term.Atom, monitor bool, mod, fun term.Atom, args []term.Term) (term.Term, bool, error) {
	v, err := h.callOn(ctx, p, nodeName, "erlang", "spawn", []term.Term{mod, fun, term.List(args)})
	if err != nil {
		return nil, true, err
	}
	pid, ok := v.(term.Pid)
	if !ok {
		return nil, true, fmt.Errorf("spawn on %s: erlang:spawn/3 returned %v", nodeName, v)
	}
	if !monitor {
		p.Link(pid)
		return pid, true, nil
	}
	ref, err := p.Monitor(pid)
	if err != nil {
		return nil, true, err
	}
	return term.Tuple{pid, ref}, true, nil
}
