package node

import (
	"fmt"
	"slices"

	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// SpawnRequest is a request from another node to spawn a process here
// (SPAWN_REQUEST: erlang:spawn_request/5, and erpc/rpc in OTP 23+).
type SpawnRequest struct {
	ReqID       term.Ref
	From        term.Pid
	GroupLeader term.Pid
	Module      term.Atom
	Function    term.Atom
	Args        []term.Term
	Opts        term.Term
}

// SpawnHandler decides what a spawn request runs. It returns the body of
// the new process, or an error reason (an atom such as badarg or notsup)
// sent back in the SPAWN_REPLY. The RPC layer installs a handler that
// runs Go functions registered as Erlang modules.
type SpawnHandler func(req SpawnRequest) (body vm.Body, errReason term.Term)

// SetSpawnHandler installs the handler for incoming spawn requests.
func (n *Node) SetSpawnHandler(h SpawnHandler) {
	n.mu.Lock()
	n.spawn = h
	n.mu.Unlock()
}

// undefBody is what OTP does for a function that does not exist: the new
// process exits with undef.
func undefBody(req SpawnRequest) vm.Body {
	return func(p *vm.Process) term.Term {
		return term.Tuple{term.Atom("undef"), term.List{term.Tuple{req.Module, req.Function, term.List(req.Args), term.Nil}}}
	}
}

func spawnOpts(opts term.Term) (link, monitor bool) {
	l, _ := term.AsList(opts)
	for _, o := range l {
		switch o {
		case term.Atom("link"):
			link = true
		case term.Atom("monitor"):
			monitor = true
		}
		if t, ok := o.(term.Tuple); ok && len(t) == 2 && t[0] == term.Atom("monitor") {
			monitor = true
		}
	}
	return
}

func (n *Node) handleSpawnRequest(k *conn, s dist.Signal) {
	from := s.From.(term.Pid)
	gl := s.GroupLeader.(term.Pid)
	reqID, _ := s.ReqID.(term.Ref)
	args, ok := term.AsList(s.Args)
	reply := func(flags int, result term.Term) {
		n.answer(k, dist.Signal{Kind: dist.KindSpawnReply, ReqID: s.ReqID, To: from, SpawnFlags: flags, Result: result})
	}
	if !ok {
		reply(0, term.Atom("badarg"))
		return
	}
	req := SpawnRequest{ReqID: reqID, From: from, GroupLeader: gl, Module: s.Module, Function: s.Function, Args: args, Opts: s.Opts}
	n.mu.Lock()
	h := n.spawn
	n.mu.Unlock()
	var body vm.Body
	var errReason term.Term
	if h != nil {
		body, errReason = h(req)
	} else {
		body = undefBody(req)
	}
	if errReason != nil {
		reply(0, errReason)
		return
	}
	link, monitor := spawnOpts(s.Opts)
	// The reply must leave before anything the new process sends, so the
	// process waits for it before running its body.
	ready := make(chan struct{})
	p, _, err := n.rt.Spawn(func(p *vm.Process) term.Term {
		select {
		case <-ready:
		case <-p.Done():
			return vm.Killed
		}
		return body(p)
	}, vm.SpawnOptions{GroupLeader: &gl, Label: fmt.Sprintf("%s:%s/%d", s.Module, s.Function, len(args))})
	if err != nil {
		reply(0, term.Atom("system_limit"))
		return
	}
	flags := 0
	if link {
		flags |= dist.SpawnFlagLink
		_ = n.rt.RemoteLink(from, p.Self())
	}
	if monitor {
		flags |= dist.SpawnFlagMonitor
		_ = n.rt.RemoteMonitor(from, p.Self(), reqID)
	}
	reply(flags, p.Self())
	close(ready)
}

// SpawnOptions control an outgoing spawn request.
type SpawnOptions struct {
	Link, Monitor bool
}

// SpawnRequest asks node to spawn Module:Function(Args...) with from as
// the parent and from's group leader (erlang:spawn_request/5). The reply
// arrives in from's mailbox as {spawn_reply, ReqID, ok, Pid} or
// {spawn_reply, ReqID, error, Reason}; with Monitor, a {'DOWN', ReqID,
// process, Pid, Reason} follows when the process exits.
func (n *Node) SpawnRequest(from *vm.Process, node, module, function term.Atom, args []term.Term, o SpawnOptions) (term.Ref, error) {
	reqID := n.rt.MakeRef()
	var opts term.List
	if o.Link {
		opts = append(opts, term.Atom("link"))
	}
	if o.Monitor {
		opts = append(opts, term.Atom("monitor"))
	}
	if opts == nil {
		opts = term.Nil
	}
	s := dist.Signal{
		Kind: dist.KindSpawnRequest, ReqID: reqID, From: from.Self(), GroupLeader: from.GroupLeader(),
		Module: module, Function: function, Arity: len(args), Opts: opts, Args: term.List(args),
	}
	if err := n.route(node, s); err != nil {
		return term.Ref{}, fmt.Errorf("spawn %s:%s/%d on %s: %w", module, function, len(args), node, err)
	}
	return reqID, nil
}

// maxAbandoned bounds the spawn requests remembered as abandoned.
const maxAbandoned = 1024

// AbandonSpawn gives up an outgoing spawn request whose reply has not
// been received (erlang:spawn_request_abandon/1): when the reply comes,
// it is dropped (no message, no link, no monitor for the requester) and
// a process it reports is sent an exit signal with reason abandoned, so
// that nothing keeps running for a caller that stopped waiting. A reply
// already in the requester's mailbox is the caller's to handle.
func (n *Node) AbandonSpawn(reqID term.Ref) {
	n.spawnMu.Lock()
	defer n.spawnMu.Unlock()
	if len(n.abandoned) >= maxAbandoned {
		delete(n.abandoned, n.abandonedOrder[0])
		n.abandonedOrder = n.abandonedOrder[1:]
	}
	n.abandoned[reqID] = struct{}{}
	n.abandonedOrder = append(n.abandonedOrder, reqID)
}

// takeAbandoned reports whether reqID was abandoned, forgetting it
// (called with spawnMu held).
func (n *Node) takeAbandoned(reqID term.Ref) bool {
	if _, ok := n.abandoned[reqID]; !ok {
		return false
	}
	delete(n.abandoned, reqID)
	n.abandonedOrder = slices.DeleteFunc(n.abandonedOrder, func(r term.Ref) bool { return r == reqID })
	return true
}

func (n *Node) handleSpawnReply(k *conn, s dist.Signal) {
	to := s.To.(term.Pid)
	reqID, ok := s.ReqID.(term.Ref)
	if !ok {
		return
	}
	k.spawns.remove(reqID)
	// spawnMu is held until the reply is delivered, so that AbandonSpawn
	// comes either before (the reply is dropped here) or after (the reply
	// is in the mailbox for the caller to find). It is a leaf lock: the
	// exit signal below, which may take the node's lock to be routed, is
	// sent once it is released.
	n.spawnMu.Lock()
	if n.takeAbandoned(reqID) {
		n.spawnMu.Unlock()
		if pid, ok := s.Result.(term.Pid); ok {
			if err := n.rt.ExitSignal(to, pid, term.Atom("abandoned")); err != nil {
				n.log.Warn("cannot end the process of an abandoned spawn request", "pid", pid, "error", err)
			}
		}
		return
	}
	defer n.spawnMu.Unlock()
	if pid, ok := s.Result.(term.Pid); ok {
		if s.SpawnFlags&dist.SpawnFlagLink != 0 {
			_ = n.rt.RemoteLink(pid, to)
		}
		if s.SpawnFlags&dist.SpawnFlagMonitor != 0 {
			n.rt.AddRemoteMonitor(to, reqID, pid)
		}
		n.rt.DeliverMessage(to, term.Tuple{term.Atom("spawn_reply"), reqID, term.Atom("ok"), pid})
		return
	}
	n.rt.DeliverMessage(to, term.Tuple{term.Atom("spawn_reply"), reqID, term.Atom("error"), s.Result})
}
