package node

import (
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm/term"
)

// router carries the runtime's remote signals over the node's
// connections (it implements vm.Router).
type router struct{ n *Node }

func (r router) Send(from, to term.Pid, msg term.Term) error {
	n := r.n
	if n.heldN.Load() == 0 && !n.stopping.Load() && to.Node != n.name {
		// Connected, and nothing held back for any sender (order.go):
		// straight to the connection.
		if k := n.liveConn(to.Node); k != nil {
			return k.sendMsg(from, to, msg)
		}
	}
	return n.route(to.Node, dist.Signal{Kind: dist.KindSend, From: from, To: to, Msg: msg})
}

func (r router) RegSend(from term.Pid, name, node term.Atom, msg term.Term) error {
	return r.n.route(node, dist.Signal{Kind: dist.KindRegSend, From: from, To: name, Msg: msg})
}

func (r router) AliasSend(from term.Pid, alias term.Ref, msg term.Term) error {
	return r.n.route(alias.Node, dist.Signal{Kind: dist.KindAliasSend, From: from, To: alias, Msg: msg})
}

func (r router) Link(from, to term.Pid) error {
	return r.n.route(to.Node, dist.Signal{Kind: dist.KindLink, From: from, To: to})
}

func (r router) Unlink(from, to term.Pid) error {
	id := term.Uint64(r.n.unlinkIDs.Add(1))
	return r.n.route(to.Node, dist.Signal{Kind: dist.KindUnlink, ID: id, From: from, To: to})
}

func (r router) Exit(from, to term.Pid, reason term.Term, link bool) error {
	kind := dist.KindExit2
	if link {
		kind = dist.KindExit
	}
	return r.n.route(to.Node, dist.Signal{Kind: kind, From: from, To: to, Reason: reason})
}

func (r router) Monitor(from term.Pid, target term.Term, node term.Atom, ref term.Ref) error {
	if name, ok := target.(term.Atom); ok && r.n.isAtomVM(node) && !atomVMAlwaysRegistered(name) {
		// AtomVM drops the whole connection when asked to monitor a name
		// that is not registered (spec §2.3). Resolve it first.
		return r.n.monitorAtomVMName(from, name, node, ref)
	}
	return r.n.route(node, dist.Signal{Kind: dist.KindMonitor, From: from, To: target, Ref: ref})
}

func (r router) Demonitor(from term.Pid, target term.Term, node term.Atom, ref term.Ref) error {
	return r.n.route(node, dist.Signal{Kind: dist.KindDemonitor, From: from, To: target, Ref: ref})
}

func (r router) Down(item term.Term, owner term.Pid, ref term.Ref, reason term.Term) error {
	return r.n.route(owner.Node, dist.Signal{Kind: dist.KindDown, From: item, To: owner, Ref: ref, Reason: reason})
}

func (r router) GroupLeader(gl, to term.Pid) error {
	return r.n.route(to.Node, dist.Signal{Kind: dist.KindGroupLeader, From: gl, To: to})
}

// atomVMAlwaysRegistered are names every distributed AtomVM node has
// (spec §3.2), safe to monitor by name.
func atomVMAlwaysRegistered(name term.Atom) bool {
	switch name {
	case "net_kernel", "kernel_sup", "code_server", "net_kernel_sup":
		return true
	}
	return false
}

func (n *Node) isAtomVM(node term.Atom) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.peers[node]
	return p != nil && p.conn != nil && p.conn.caps.AtomVM
}

// NameResolver looks up a registered name on a remote node (the RPC layer
// installs one that calls erlang:whereis/1 through erpc).
type NameResolver func(node, name term.Atom) (term.Pid, bool, error)

// SetNameResolver installs the resolver used to monitor names on AtomVM.
func (n *Node) SetNameResolver(r NameResolver) {
	n.mu.Lock()
	n.resolver = r
	n.mu.Unlock()
}

// monitorAtomVMName resolves name on an AtomVM node and monitors the pid
// it finds; without a resolver, or when the name is not registered, the
// monitor fires at once with noproc, as it would on BEAM. The signals
// from sends after this one wait until the monitor is sent (order.go).
func (n *Node) monitorAtomVMName(from term.Pid, name, node term.Atom, ref term.Ref) error {
	n.mu.Lock()
	resolve := n.resolver
	n.mu.Unlock()
	if resolve == nil {
		n.log.Warn("cannot monitor a name on AtomVM without resolving it first; reporting noproc", "peer", node, "name", name)
		n.rt.RemoteDown(from, ref, term.Atom("noproc"))
		return nil
	}
	h := n.holdMonitor(from)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		pid, ok, err := resolve(node, name)
		sig := dist.Signal{Kind: dist.KindMonitor, From: from, To: pid, Ref: ref}
		switch {
		case err != nil:
			n.resolved(from, h, node, sig, term.Atom("noconnection"))
		case !ok:
			n.resolved(from, h, node, sig, term.Atom("noproc"))
		default:
			n.resolved(from, h, node, sig, nil)
		}
	}()
	return nil
}
