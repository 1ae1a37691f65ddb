package node

import (
	"sync"

	"github.com/avmsh/avmsh/vm/term"
)

// NodeEvent is a nodeup or nodedown notification.
type NodeEvent struct {
	Node term.Atom
	Up   bool
	// Reason is why a connection went down (e.g. "net_tick_timeout",
	// "connection_closed"); empty for nodeup.
	Reason string
	Info   PeerInfo
}

// eventHub fans node events out to Go subscribers and to processes that
// called MonitorNodes.
type eventHub struct {
	mu    sync.Mutex
	subs  map[int]chan NodeEvent
	procs map[term.Pid]bool // pid → wants nodeup/nodedown with info
	next  int
	send  func(to term.Pid, msg term.Term)
}

// Subscribe returns a channel of node events and a function that ends
// the subscription. Events are dropped for a subscriber whose buffer is
// full rather than blocking the node.
func (n *Node) Subscribe(buffer int) (<-chan NodeEvent, func()) {
	h := &n.events
	ch := make(chan NodeEvent, max(buffer, 1))
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[int]chan NodeEvent)
	}
	id := h.next
	h.next++
	h.subs[id] = ch
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			if c, ok := h.subs[id]; ok {
				delete(h.subs, id)
				close(c)
			}
			h.mu.Unlock()
		})
	}
}

// MonitorNodes makes pid receive {nodeup, Node, Info} and
// {nodedown, Node, Info} messages (net_kernel:monitor_nodes/2 with
// [nodedown_reason]); on=false stops them.
func (n *Node) MonitorNodes(pid term.Pid, on bool) {
	h := &n.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.procs == nil {
		h.procs = make(map[term.Pid]bool)
	}
	if on {
		h.procs[pid] = true
		h.send = func(to term.Pid, msg term.Term) { n.rt.DeliverMessage(to, msg) }
	} else {
		delete(h.procs, pid)
	}
}

func (h *eventHub) publish(ev NodeEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- ev:
		default:
		}
	}
	if len(h.procs) == 0 || h.send == nil {
		return
	}
	tag := term.Atom("nodeup")
	info := term.List{term.Tuple{term.Atom("node_type"), term.Atom(ev.Info.NodeType())}}
	if !ev.Up {
		tag = term.Atom("nodedown")
		info = append(info, term.Tuple{term.Atom("nodedown_reason"), term.Atom(ev.Reason)})
	}
	msg := term.Tuple{tag, ev.Node, info}
	for pid := range h.procs {
		h.send(pid, msg)
	}
}

func (h *eventHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, ch := range h.subs {
		close(ch)
		delete(h.subs, id)
	}
}
