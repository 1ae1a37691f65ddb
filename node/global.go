package node

import (
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// startGlobal registers a minimal global_name_server for visible mode.
//
// When a visible node connects, BEAM's `global` sends
// {init_connect, {Vsn, Tag}, Node, {locker, ...}} to global_name_server
// on the new node and waits for the two lockers to agree, exchange name
// tables and resolve conflicts; until then global:sync/0 on that node
// hangs. avmsh does not take part in global's name registry: it answers
// every init_connect with {in_sync, Us, true}, OTP's own message for "this
// node is already in sync" (global.erl, sync_other/2). BEAM then counts
// us as synced (global:sync/0 returns), cancels its locker for us and
// never includes us in global locks, so global:register_name/2 and
// global:trans/2 neither wait for nor fail on avmsh. Global names are not
// replicated to avmsh; everything else is ignored, like OTP ignores
// unknown casts.
func (n *Node) startGlobal() error {
	// A handler process: no goroutine between connections (vm.Handler).
	_, _, err := n.rt.SpawnHandler(func(p *vm.Process, msg term.Term) term.Term {
		t, ok := msg.(term.Tuple)
		if !ok || len(t) != 2 || t[0] != term.Atom("$gen_cast") {
			return nil
		}
		req, ok := t[1].(term.Tuple)
		if !ok || len(req) != 4 || req[0] != term.Atom("init_connect") {
			return nil
		}
		peer, ok := req[2].(term.Atom)
		if !ok {
			return nil
		}
		reply := term.Tuple{term.Atom("$gen_cast"), term.Tuple{term.Atom("in_sync"), n.name, term.True}}
		if err := p.Send(term.Tuple{term.Atom("global_name_server"), peer}, reply); err != nil {
			n.log.Debug("global: cannot answer init_connect", "peer", peer, "error", err)
		}
		return nil
	}, vm.SpawnOptions{Name: "global_name_server", Label: "global:loop/0"})
	return err
}
