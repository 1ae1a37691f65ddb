package node

import (
	"slices"
	"strings"
	"time"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// Peer kinds.
const (
	KindBEAM   = "beam"
	KindAtomVM = "atomvm"
	KindAvmsh  = "avmsh"
)

// PeerInfo describes a connected node.
type PeerInfo struct {
	Node term.Atom
	// Kind is "atomvm" (recognised by its fixed flag word), or "beam"
	// (which may also be another avmsh until something tells it apart:
	// see SetPeerKind).
	Kind      string
	Transport string // "tcp", "tls" or "serial"
	Local     string
	Remote    string
	Flags     handshake.Flags
	Creation  uint32
	// Published is true when the peer is a visible (not hidden) node.
	Published bool
	Since     time.Time
	Initiator bool // we set the connection up

	SentMsgs, RecvMsgs   uint64
	SentBytes, RecvBytes uint64
}

// NodeType is "visible" or "hidden", as in net_kernel's node_type info.
func (p PeerInfo) NodeType() string {
	if p.Published {
		return "visible"
	}
	return "hidden"
}

func (k *conn) info() PeerInfo {
	ci := k.c.Info()
	kind := KindBEAM
	if k.caps.AtomVM {
		kind = KindAtomVM
	}
	if v := k.kind.Load(); v != nil {
		kind = *v
	}
	return PeerInfo{
		Node: k.name, Kind: kind, Transport: ci.Transport, Local: ci.Local, Remote: ci.Remote,
		Flags: k.peer.Flags, Creation: k.peer.Creation, Published: k.peer.Flags.Has(handshake.Published),
		Since: k.since, Initiator: k.initiator,
		SentMsgs: k.sentMsgs.Load(), RecvMsgs: k.recvMsgs.Load(),
		SentBytes: k.sentBytes.Load(), RecvBytes: k.recvBytes.Load(),
	}
}

// Nodes returns the connected nodes, sorted by name.
func (n *Node) Nodes() []PeerInfo {
	n.mu.Lock()
	out := make([]PeerInfo, 0, len(n.peers))
	for _, p := range n.peers {
		if p.conn != nil {
			out = append(out, p.conn.info())
		}
	}
	n.mu.Unlock()
	// Atoms order by their text (term.Compare would box each one).
	slices.SortFunc(out, func(a, b PeerInfo) int { return strings.Compare(string(a.Node), string(b.Node)) })
	return out
}

// Peer returns information about one connected node.
func (n *Node) Peer(node term.Atom) (PeerInfo, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[node]; p != nil && p.conn != nil {
		return p.conn.info(), true
	}
	return PeerInfo{}, false
}

// SetPeerKind records what a connected node turned out to be (e.g. after
// asking it erlang:system_info(machine)).
func (n *Node) SetPeerKind(node term.Atom, kind string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[node]; p != nil && p.conn != nil {
		p.conn.kind.Store(&kind)
	}
}
