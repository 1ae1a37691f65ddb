package rpc

import (
	"context"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Serve makes n answer RPCs into the registry's Go functions:
//   - SPAWN_REQUEST of erpc:execute_call/4 and erpc:execute_cast/3
//     (erpc:call, and rpc:call from OTP 23+ and AtomVM);
//   - SPAWN_REQUEST of a registered function itself (spawn_request/5);
//   - the rex server's {call, M, F, A, GL} and {cast, M, F, A, GL}
//     (rpc:call/cast from older nodes and from code that talks to rex).
//
// Unknown functions answer exactly what OTP answers: error:undef through
// erpc, {badrpc, {'EXIT', {undef, Stack}}} through rex.
func Serve(n *node.Node, reg *Registry) error {
	n.SetSpawnHandler(func(req node.SpawnRequest) (vm.Body, term.Term) {
		return spawnBody(n, reg, req), nil
	})
	n.SetNameResolver(func(target, name term.Atom) (term.Pid, bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		defer cancel()
		v, err := Call(ctx, n, target, "erlang", "whereis", []term.Term{name}, Options{})
		if err != nil {
			return term.Pid{}, false, err
		}
		pid, ok := v.(term.Pid)
		return pid, ok, nil
	})
	// A handler process: no goroutine while no rex request comes, which
	// is always for a one-shot command's node (issue 16: start-up).
	_, _, err := n.Runtime().SpawnHandler(func(p *vm.Process, msg term.Term) term.Term {
		rexHandle(n, reg, p, msg)
		return nil
	}, vm.SpawnOptions{Name: "rex", Label: "rpc:loop/0"})
	return err
}

// resolveTimeout bounds the whereis call made before monitoring a name on
// an AtomVM node.
const resolveTimeout = 10 * time.Second

func spawnBody(n *node.Node, reg *Registry, req node.SpawnRequest) vm.Body {
	return func(p *vm.Process) term.Term {
		c := &CallContext{Node: n, Process: p, Caller: req.From, GroupLeader: req.GroupLeader}
		switch {
		case req.Module == "erpc" && req.Function == "execute_call" && len(req.Args) == 4:
			resRef := req.Args[0]
			m, ok1 := req.Args[1].(term.Atom)
			f, ok2 := req.Args[2].(term.Atom)
			args, ok3 := term.AsList(req.Args[3])
			if !ok1 || !ok2 || !ok3 {
				return term.Tuple{resRef, term.Atom("error"), term.Atom("badarg"), term.Nil}
			}
			p.SetLabel(string(m) + ":" + string(f))
			class, v, stack := reg.Apply(c, m, f, args)
			if class == "error" {
				return term.Tuple{resRef, class, v, stack}
			}
			return term.Tuple{resRef, class, v}
		case req.Module == "erpc" && req.Function == "execute_cast" && len(req.Args) == 3:
			m, ok1 := req.Args[0].(term.Atom)
			f, ok2 := req.Args[1].(term.Atom)
			args, ok3 := term.AsList(req.Args[2])
			if ok1 && ok2 && ok3 {
				reg.Apply(c, m, f, args)
			}
			return vm.Normal
		}
		class, v, stack := reg.Apply(c, req.Module, req.Function, req.Args)
		switch class {
		case "return":
			return vm.Normal
		case "error":
			return term.Tuple{v, stack}
		case "throw":
			return term.Tuple{term.Atom("nocatch"), v}
		}
		return v
	}
}

// rexHandle is the rex server (OTP's rpc.erl protocol), one message at
// a time: gen_server calls {call, M, F, A, GL} and {block_call, ...},
// casts {cast, M, F, A, GL}, and the plain messages {From, {call, ...}}
// (erl_call and old multicall), {From, {send, Name, Msg}}, {From,
// {sbcast, Name, Msg}} and {From, features_request} (sent on every
// nodeup by OTP 23+ rpc). Each call runs in its own process, so a slow
// call does not hold up others.
func rexHandle(n *node.Node, reg *Registry, p *vm.Process, msg term.Term) {
	if call, ok := node.ParseGenCall(msg); ok {
		req, ok := call.Request.(term.Tuple)
		if !ok || len(req) != 5 || (req[0] != term.Atom("call") && req[0] != term.Atom("block_call")) {
			return // OTP's rex ignores unknown calls too
		}
		runRex(n, reg, p, req, func(w *vm.Process, v term.Term) { _ = call.Reply(w, v) })
		return
	}
	t, ok := msg.(term.Tuple)
	if !ok || len(t) != 2 {
		return
	}
	if t[0] == term.Atom("$gen_cast") {
		if req, ok := t[1].(term.Tuple); ok && len(req) == 5 && req[0] == term.Atom("cast") {
			runRex(n, reg, p, req, nil)
		}
		return
	}
	if from, ok := t[0].(term.Pid); ok {
		rexPlain(n, reg, p, from, t[1])
	}
}

// rexPlain handles a plain {From, Request} message to rex.
func rexPlain(n *node.Node, reg *Registry, p *vm.Process, from term.Pid, req term.Term) {
	me := n.Name()
	switch body := req.(type) {
	case term.Atom:
		if body == "features_request" {
			_ = p.Send(from, term.Tuple{term.Atom("features_reply"), me, term.List{term.Atom("erpc")}})
		}
	case term.Tuple:
		switch {
		case len(body) == 5 && body[0] == term.Atom("call"):
			runRex(n, reg, p, body, func(w *vm.Process, v term.Term) {
				_ = w.Send(from, term.Tuple{term.Atom("rex"), v})
			})
		case len(body) == 3 && body[0] == term.Atom("send"):
			if name, ok := body[1].(term.Atom); ok {
				if err := p.Send(name, term.Tuple{from, body[2]}); err != nil {
					_ = p.Send(from, term.Tuple{term.Atom("rex"), me, term.Tuple{term.Atom("nonexisting_name"), name}})
				}
			}
		case len(body) == 3 && body[0] == term.Atom("sbcast"):
			if name, ok := body[1].(term.Atom); ok {
				reply := term.Term(me)
				if err := p.Send(name, body[2]); err != nil {
					reply = term.Tuple{term.Atom("nonexisting_name"), name}
				}
				_ = p.Send(from, term.Tuple{term.Atom("rex"), me, reply})
			}
		}
	}
}

// runRex runs one rex request in a new process; reply is nil for a cast.
func runRex(n *node.Node, reg *Registry, rex *vm.Process, req term.Tuple, reply func(*vm.Process, term.Term)) {
	m, ok1 := req[1].(term.Atom)
	f, ok2 := req[2].(term.Atom)
	args, ok3 := term.AsList(req[3])
	gl, ok4 := req[4].(term.Pid)
	if !ok1 || !ok2 || !ok3 {
		if reply != nil {
			reply(rex, term.Tuple{term.Atom("badrpc"), term.Atom("badarg")})
		}
		return
	}
	opts := vm.SpawnOptions{Label: string(m) + ":" + string(f)}
	if ok4 {
		opts.GroupLeader = &gl
	}
	_, _, _ = n.Runtime().Spawn(func(w *vm.Process) term.Term {
		c := &CallContext{Node: n, Process: w, GroupLeader: w.GroupLeader()}
		class, v, stack := reg.Apply(c, m, f, args)
		if reply == nil {
			return vm.Normal
		}
		switch class {
		case "return", "throw":
			reply(w, v) // rpc:call returns a thrown value as its result
		case "exit":
			reply(w, term.Tuple{term.Atom("badrpc"), term.Tuple{term.Atom("EXIT"), v}})
		default:
			reply(w, term.Tuple{term.Atom("badrpc"), term.Tuple{term.Atom("EXIT"), term.Tuple{v, stack}}})
		}
		return vm.Normal
	}, opts)
}
