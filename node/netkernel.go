package node

import (
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// GenCall is a decoded gen_server call: {'$gen_call', {From, Tag}, Request}.
type GenCall struct {
	From    term.Pid
	Tag     term.Term
	Request term.Term
}

// ParseGenCall recognises a gen_server call message.
func ParseGenCall(msg term.Term) (GenCall, bool) {
	t, ok := msg.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("$gen_call") {
		return GenCall{}, false
	}
	from, ok := t[1].(term.Tuple)
	if !ok || len(from) != 2 {
		return GenCall{}, false
	}
	pid, ok := from[0].(term.Pid)
	if !ok {
		return GenCall{}, false
	}
	return GenCall{From: pid, Tag: from[1], Request: t[2]}, true
}

// Reply answers a gen_server call like gen:reply/2 does in OTP 24+: a tag
// of the form [alias | Alias] means the reply goes to that alias.
func (c GenCall) Reply(p *vm.Process, reply term.Term) error {
	msg := term.Tuple{c.Tag, reply}
	if l, ok := c.Tag.(term.ImproperList); ok && len(l.Elems) == 1 && l.Elems[0] == term.Atom("alias") {
		if alias, ok := l.Tail.(term.Ref); ok {
			return p.Send(alias, msg)
		}
	}
	return p.Send(c.From, msg)
}

// startNetKernel registers the net_kernel process. Remote nodes talk to it
// for authentication checks: net_adm:ping/1 sends {is_auth, Node} and
// expects yes (the handshake has already authenticated the peer).
func (n *Node) startNetKernel() error {
	// A handler process: no goroutine while nobody pings (vm.Handler).
	_, _, err := n.rt.SpawnHandler(func(p *vm.Process, msg term.Term) term.Term {
		call, ok := ParseGenCall(msg)
		if !ok {
			return nil // casts and stray messages are ignored
		}
		var reply term.Term
		switch req := call.Request.(type) {
		case term.Tuple:
			switch {
			case len(req) == 2 && req[0] == term.Atom("is_auth"):
				reply = term.Atom("yes")
			case len(req) >= 1 && req[0] == term.Atom("connect"):
				reply = term.False // connections are set up by avmsh itself
			default:
				reply = term.Tuple{term.Atom("error"), term.Atom("not_supported")}
			}
		default:
			reply = term.Tuple{term.Atom("error"), term.Atom("not_supported")}
		}
		if err := call.Reply(p, reply); err != nil {
			n.log.Debug("net_kernel reply failed", "to", call.From, "error", err)
		}
		return nil
	}, vm.SpawnOptions{Name: "net_kernel", Label: "net_kernel:loop/0"})
	return err
}
