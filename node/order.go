package node

import (
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm/term"
)

// Signal order around a monitor by name on AtomVM.
//
// Erlang delivers the signals one process sends to another in the order
// they were sent. A monitor on {Name, AtomVMNode} cannot be sent as it
// is: AtomVM drops the whole connection when the name is not registered
// (spec ../shared/spec/atomvm-dist.md §2.3, MONITOR_P, verified live),
// so the name is resolved first (erlang:whereis/1 through erpc, spec
// §3.4) and the pid is monitored. While that resolution runs, later
// signals of the same process — the usual `{Name, Node} ! stop` right
// after the monitor — are held here and sent, in order, after the
// monitor. Without that, the message could reach the process before the
// monitor, the process could exit first, and the monitor would report
// noproc instead of the exit reason BEAM reports (issue 15, defect 10).

// heldQueue is what one process sent while a monitor of its was being
// resolved.
type heldQueue struct {
	items    []*heldSignal
	flushing bool // a goroutine is sending the resolved head
}

// heldSignal is a signal waiting its turn, or the placeholder of a
// monitor being resolved (waiting).
type heldSignal struct {
	node    term.Atom
	sig     dist.Signal
	waiting bool
	// down, when set, is delivered locally instead of sending sig: the
	// monitor fired at once (noproc: the name is not registered;
	// noconnection: the resolution failed).
	down term.Term
}

// hold queues s if its sender has a monitor being resolved; it reports
// whether it did.
func (n *Node) hold(node term.Atom, s dist.Signal) bool {
	if n.heldN.Load() == 0 {
		return false // nothing is held for anyone: the usual case
	}
	from, ok := s.From.(term.Pid)
	if !ok {
		return false
	}
	n.heldMu.Lock()
	defer n.heldMu.Unlock()
	q := n.held[from]
	if q == nil {
		return false
	}
	if len(q.items) >= maxPending {
		n.log.Warn("dropping a signal: too many queued behind a monitor by name", "peer", node)
		return true
	}
	q.items = append(q.items, &heldSignal{node: node, sig: s})
	return true
}

// holdMonitor queues the placeholder of from's monitor being resolved;
// every later signal of from waits behind it.
func (n *Node) holdMonitor(from term.Pid) *heldSignal {
	h := &heldSignal{waiting: true}
	n.heldMu.Lock()
	defer n.heldMu.Unlock()
	if n.held == nil {
		n.held = map[term.Pid]*heldQueue{}
	}
	q := n.held[from]
	if q == nil {
		q = &heldQueue{}
		n.held[from] = q
		n.heldN.Store(int32(len(n.held)))
	}
	q.items = append(q.items, h)
	return h
}

// resolved fills the placeholder h of from's monitor (a signal to send
// to node, or a DOWN reason to deliver locally) and sends what it held
// back, up to the next monitor still being resolved.
func (n *Node) resolved(from term.Pid, h *heldSignal, node term.Atom, sig dist.Signal, down term.Term) {
	n.heldMu.Lock()
	h.node, h.sig, h.down, h.waiting = node, sig, down, false
	q := n.held[from]
	if q == nil || q.flushing {
		n.heldMu.Unlock()
		return // the goroutine flushing the queue sends it
	}
	q.flushing = true
	n.heldMu.Unlock()
	for {
		n.heldMu.Lock()
		if len(q.items) == 0 {
			delete(n.held, from)
			n.heldN.Store(int32(len(n.held)))
			n.heldMu.Unlock()
			return
		}
		it := q.items[0]
		if it.waiting {
			q.flushing = false
			n.heldMu.Unlock()
			return
		}
		q.items = q.items[1:]
		n.heldMu.Unlock()
		n.deliverHeld(from, it)
	}
}

// deliverHeld sends a held signal (a send after the node stopped or the
// connection went down is lost, as any send to a lost node is).
func (n *Node) deliverHeld(from term.Pid, it *heldSignal) {
	if it.down != nil {
		if ref, ok := it.sig.Ref.(term.Ref); ok {
			n.rt.RemoteDown(from, ref, it.down)
		}
		return
	}
	if err := n.routeNow(it.node, it.sig); err != nil {
		if it.sig.Kind == dist.KindMonitor {
			if ref, ok := it.sig.Ref.(term.Ref); ok {
				n.rt.RemoteDown(from, ref, term.Atom("noconnection"))
			}
			return
		}
		n.log.Debug("a held signal was not delivered", "peer", it.node, "err", err)
	}
}
