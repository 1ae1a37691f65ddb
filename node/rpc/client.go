package rpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// Options control a call.
type Options struct {
	// Timeout bounds the call (0: no timeout beyond ctx).
	Timeout time.Duration
	// Process is the calling process: replies land in its mailbox and
	// the remote process gets its group leader. When nil a temporary
	// process is used, with GroupLeader as its group leader.
	Process *vm.Process
	// GroupLeader is the group leader of a temporary calling process
	// (where remote io:format output goes); ignored with Process.
	GroupLeader *term.Pid
	// Rex forces the rex protocol (rpc:call) even if the peer has SPAWN.
	Rex bool
}

func (o Options) process(n *node.Node) (*vm.Process, func(), error) {
	if o.Process != nil {
		return o.Process, func() {}, nil
	}
	p, err := n.Runtime().NewProcess(vm.SpawnOptions{GroupLeader: o.GroupLeader, Label: "rpc:call/5"})
	if err != nil {
		return nil, nil, err
	}
	return p, func() { p.Exit(vm.Normal) }, nil
}

// Call runs module:function(args...) on node and returns its value, like
// erpc:call/5. It uses a SPAWN_REQUEST of erpc:execute_call/4 with a
// monitor (the only safe way on AtomVM, spec §3.4) and falls back to rex
// for peers without DFLAG_SPAWN. Errors are *ThrowError, *ExitError,
// *RemoteError, *NoConnectionError, *TimeoutError, *BadRPCError,
// *ArgumentError (not sent: an argument cannot be encoded) or *ReplyError
// (the connection was dropped over a message that could not be decoded).
func Call(ctx context.Context, n *node.Node, target, module, function term.Atom, args []term.Term, o Options) (term.Term, error) {
	mfa := MFA{Node: target, Module: module, Function: function, Arity: len(args)}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	if target == n.Name() {
		return nil, fmt.Errorf("%s: calls to the local node are made in-process, not over distribution", mfa)
	}
	if err := n.Connect(ctx, target); err != nil {
		if ctx.Err() != nil {
			return nil, gaveUp(ctx, mfa, false, false)
		}
		return nil, &NoConnectionError{Call: mfa, Cause: err}
	}
	peer, ok := n.Peer(target)
	if !ok {
		return nil, &NoConnectionError{Call: mfa}
	}
	p, done, err := o.process(n)
	if err != nil {
		return nil, err
	}
	defer done()
	if o.Rex || (!peer.Flags.Has(handshake.Spawn) && peer.Kind != node.KindAtomVM) {
		return rexCall(ctx, n, p, mfa, args)
	}
	return erpcCall(ctx, n, p, peer, mfa, args)
}

func erpcCall(ctx context.Context, n *node.Node, p *vm.Process, peer node.PeerInfo, mfa MFA, args []term.Term) (term.Term, error) {
	resRef := n.Runtime().MakeRef()
	argList := term.List(append([]term.Term(nil), args...))
	if len(args) == 0 {
		argList = term.Nil
	}
	reqID, err := n.SpawnRequest(p, mfa.Node, "erpc", "execute_call",
		[]term.Term{resRef, mfa.Module, mfa.Function, argList}, node.SpawnOptions{Monitor: true})
	if err != nil {
		if isEncodeError(err) {
			return nil, &ArgumentError{Call: mfa, Err: err}
		}
		return nil, &NoConnectionError{Call: mfa, Cause: err}
	}
	var remote term.Pid
	for {
		msg, err := p.Receive(ctx, func(m term.Term) bool {
			t, ok := m.(term.Tuple)
			if !ok {
				return false
			}
			return (len(t) == 4 && t[0] == term.Atom("spawn_reply") && t[1] == reqID) ||
				(len(t) == 5 && t[0] == term.Atom("DOWN") && t[1] == reqID)
		}, vm.Infinity)
		if err != nil {
			killed := false
			var zero term.Pid
			if peer.Kind != node.KindAtomVM && !errors.Is(err, vm.ErrExited) {
				// Like erpc: a call that timed out must not keep running.
				if remote == zero {
					// The spawn_reply may already be in the mailbox (it
					// raced the timeout), or still on its way: then
					// abandon the request, so that its process is ended
					// when the reply comes, and look once more for a reply
					// that came in between.
					m, rerr := p.Receive(context.Background(), isSpawnReply(reqID), 0)
					if rerr != nil {
						n.AbandonSpawn(reqID)
						killed = true
						m, rerr = p.Receive(context.Background(), isSpawnReply(reqID), 0)
					}
					if rerr == nil {
						killed = false
						remote, _ = m.(term.Tuple)[3].(term.Pid)
					}
				}
				if remote != zero {
					killed = n.Runtime().ExitSignal(p.Self(), remote, vm.Kill) == nil
				}
			}
			p.Demonitor(reqID, true)
			if errors.Is(err, vm.ErrExited) {
				return nil, fmt.Errorf("%s: the calling process exited", mfa)
			}
			return nil, gaveUp(ctx, mfa, true, killed)
		}
		t := msg.(term.Tuple)
		if t[0] == term.Atom("spawn_reply") {
			if t[2] == term.Atom("ok") {
				remote, _ = t[3].(term.Pid)
				continue
			}
			if t[3] == term.Atom("noconnection") {
				return nil, lostConnection(n, mfa)
			}
			return nil, &RemoteError{Call: mfa, Reason: term.Tuple{term.Atom("erpc"), t[3]}, Stack: term.Nil}
		}
		if t[4] == term.Atom("noconnection") {
			return nil, lostConnection(n, mfa)
		}
		return erpcResult(mfa, args, resRef, t[4])
	}
}

// gaveUp is the error of a call abandoned when ctx ended: a
// *CanceledError when the caller cancelled it, a *TimeoutError when a
// deadline passed. sent tells whether the request had been sent, killed
// whether its remote process was killed.
func gaveUp(ctx context.Context, mfa MFA, sent, killed bool) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return &CanceledError{Call: mfa, Sent: sent, Killed: killed, Cause: context.Cause(ctx)}
	}
	return &TimeoutError{Call: mfa, Killed: killed}
}

// isSpawnReply matches the {spawn_reply, ReqID, _, _} of reqID.
func isSpawnReply(reqID term.Ref) func(term.Term) bool {
	return func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) == 4 && t[0] == term.Atom("spawn_reply") && t[1] == reqID
	}
}

// erpcResult decodes the exit reason of erpc:execute_call/4.
func erpcResult(mfa MFA, args []term.Term, resRef term.Ref, reason term.Term) (term.Term, error) {
	if r, ok := reason.(term.Tuple); ok && len(r) >= 3 && r[0] == resRef {
		switch {
		case r[1] == term.Atom("return") && len(r) == 3:
			return r[2], nil
		case r[1] == term.Atom("throw") && len(r) == 3:
			return nil, &ThrowError{Call: mfa, Value: r[2]}
		case r[1] == term.Atom("exit") && len(r) == 3:
			return nil, &ExitError{Call: mfa, Reason: r[2]}
		case r[1] == term.Atom("error") && len(r) == 4:
			return nil, &RemoteError{Call: mfa, Reason: r[2], Stack: undefStack(mfa, args, r[2], r[3])}
		}
	}
	if reason == term.Atom("noconnection") {
		return nil, &NoConnectionError{Call: mfa}
	}
	// The process died some other way (e.g. killed from elsewhere).
	return nil, &ExitError{Call: mfa, Reason: reason}
}

// lostConnection is the error for a call whose connection went down: a
// *ReplyError when the node dropped it over a message it could not decode
// (a term nested too deep), else a *NoConnectionError.
func lostConnection(n *node.Node, mfa MFA) error {
	reason := n.DisconnectReason(mfa.Node)
	if reason != nil && errors.As(reason, new(*etf.DecodeError)) {
		return &ReplyError{Call: mfa, Err: reason}
	}
	return &NoConnectionError{Call: mfa}
}

// isEncodeError tells a send that failed because a term cannot be
// encoded for the peer from one that failed for want of a connection.
func isEncodeError(err error) bool { return errors.As(err, new(*etf.EncodeError)) }

// rexCall uses the rex server (rpc:call/4's protocol before OTP 23).
func rexCall(ctx context.Context, n *node.Node, p *vm.Process, mfa MFA, args []term.Term) (term.Term, error) {
	argList := term.List(append([]term.Term(nil), args...))
	if len(args) == 0 {
		argList = term.Nil
	}
	req := term.Tuple{term.Atom("call"), mfa.Module, mfa.Function, argList, p.GroupLeader()}
	reply, err := node.GenCallFrom(ctx, p, term.Tuple{term.Atom("rex"), mfa.Node}, req)
	if err != nil {
		var ce *node.CallError
		if errors.As(err, &ce) {
			if ce.Reason == term.Atom("noconnection") {
				return nil, lostConnection(n, mfa)
			}
			return nil, &BadRPCError{Call: mfa, Reason: term.Tuple{term.Atom("EXIT"), ce.Reason}}
		}
		if isEncodeError(err) {
			return nil, &ArgumentError{Call: mfa, Err: err}
		}
		return nil, gaveUp(ctx, mfa, true, false)
	}
	if t, ok := reply.(term.Tuple); ok && len(t) == 2 && t[0] == term.Atom("badrpc") {
		return nil, &BadRPCError{Call: mfa, Reason: t[1]}
	}
	return reply, nil
}

// Result is one node's answer in a Multicall.
type Result struct {
	Node  term.Atom
	Value term.Term
	Err   error
}

// Multicall calls module:function(args...) on every node in parallel
// and returns one Result per node, in the order given.
func Multicall(ctx context.Context, n *node.Node, nodes []term.Atom, module, function term.Atom, args []term.Term, o Options) []Result {
	out := make([]Result, len(nodes))
	var wg sync.WaitGroup
	for i, target := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			oo := o
			oo.Process = nil // each call needs its own mailbox
			if o.Process != nil && oo.GroupLeader == nil {
				gl := o.Process.GroupLeader()
				oo.GroupLeader = &gl
			}
			v, err := Call(ctx, n, target, module, function, args, oo)
			out[i] = Result{Node: target, Value: v, Err: err}
		}()
	}
	wg.Wait()
	return out
}

// Cast runs module:function(args...) on node without waiting for a
// result (erpc:cast/4).
func Cast(ctx context.Context, n *node.Node, target, module, function term.Atom, args []term.Term, o Options) error {
	mfa := MFA{Node: target, Module: module, Function: function, Arity: len(args)}
	p, done, err := o.process(n)
	if err != nil {
		return err
	}
	defer done()
	argList := term.List(append([]term.Term(nil), args...))
	if len(args) == 0 {
		argList = term.Nil
	}
	// erpc:execute_call/4 exists everywhere (also on AtomVM); its result
	// is simply not awaited.
	_, err = n.SpawnRequest(p, target, "erpc", "execute_call",
		[]term.Term{n.Runtime().MakeRef(), module, function, argList}, node.SpawnOptions{})
	if err != nil {
		if isEncodeError(err) {
			return &ArgumentError{Call: mfa, Err: err}
		}
		return &NoConnectionError{Call: mfa, Cause: err}
	}
	return nil
}

// undefStack puts back the frame OTP reports for a call to a missing
// function. AtomVM's erlang:apply/3 is Erlang code (estdlib), so there
// erpc's apply of an unknown Module:Function fails with error:undef and
// [{erlang, apply, 3, _} | erpc frames] instead of OTP's
// [{Module, Function, Args, []} | erpc frames], and the error would name
// apply/3 rather than the function that is missing. Only a stack whose
// other frames are all erpc's is rewritten (an undef deeper in the
// called function keeps its own stack).
func undefStack(mfa MFA, args []term.Term, reason, stack term.Term) term.Term {
	l, ok := term.AsList(stack)
	if reason != term.Atom("undef") || !ok || len(l) == 0 || (mfa.Module == "erlang" && mfa.Function == "apply") {
		return stack
	}
	top, ok := l[0].(term.Tuple)
	if !ok || len(top) != 4 || top[0] != term.Atom("erlang") || top[1] != term.Atom("apply") || top[2] != term.Int(3) {
		return stack
	}
	for _, f := range l[1:] {
		if t, ok := f.(term.Tuple); !ok || len(t) == 0 || t[0] != term.Atom("erpc") {
			return stack
		}
	}
	var argl term.Term = term.Nil
	if len(args) > 0 {
		argl = term.List(append([]term.Term(nil), args...))
	}
	return append(term.List{term.Tuple{mfa.Module, mfa.Function, argl, term.Nil}}, l[1:]...)
}
