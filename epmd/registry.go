package epmd

import (
	"cmp"
	"container/list"
	"slices"
	"sync"
	"time"
)

// RegisteredNode is one live registration in a Server (see
// Server.Snapshot).
type RegisteredNode struct {
	NodeInfo
	// Creation is the creation epmd answered with.
	Creation uint32
	// Since is when the node registered.
	Since time.Time
	// Remote is the address of the registering connection.
	Remote string
}

// regNode is a live registration.
type regNode struct {
	info   NodeInfo
	cr     uint32 // creation counter (OTP's cr_counter)
	seq    uint64 // registration order, for newest-first listings
	id     uint64 // connection id, shown as "fd" in DUMP
	conn   *srvConn
	since  time.Time
	remote string
}

// oldNode remembers an unregistered name so that its next registration
// gets a higher creation.
type oldNode struct {
	name string
	cr   uint32
	port uint16
	id   uint64
}

// maxOld is how many unregistered names are remembered (OTP's
// MAX_UNREG_COUNT).
const maxOld = 1000

// registry is the node table. It is safe for concurrent use.
type registry struct {
	mu      sync.RWMutex
	live    map[string]*regNode
	old     map[string]*list.Element // of *oldNode, oldest at the front
	oldQ    list.List
	seq     uint64
	maxLive int
	now     func() time.Time
}

func newRegistry(maxLive int, now func() time.Time) *registry {
	return &registry{live: make(map[string]*regNode), old: make(map[string]*list.Element), maxLive: maxLive, now: now}
}

// creation is what epmd answers for counter cr: the counter itself to a
// version-6 node, 1..3 to an older one (as OTP's get_creation does).
func creation(cr uint32, highest uint16) uint32 {
	if highest >= 6 {
		return cr
	}
	return cr%3 + 1
}

// bump advances a creation counter, keeping it at 4 or more (OTP 23+'s
// bump_creation: 0..3 mean something else to old nodes).
func bump(cr uint32) uint32 {
	cr++
	if cr < 4 {
		cr = 4
	}
	return cr
}

// register adds info; it returns nil and the reason when epmd must
// answer with an error result.
func (r *registry) register(info NodeInfo, c *srvConn, id uint64, remote string) (*regNode, string) {
	switch {
	case !validName(info.Name):
		return nil, "node name is not 1 to 255 characters of UTF-8"
	case len(info.Extra) > MaxExtraBytes:
		return nil, "extra data too long"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.live[info.Name]; dup {
		return nil, "node name already occupied"
	}
	if len(r.live) >= r.maxLive {
		return nil, "too many registered nodes"
	}
	now := r.now()
	var cr uint32
	if e, ok := r.old[info.Name]; ok {
		cr = bump(e.Value.(*oldNode).cr)
		r.oldQ.Remove(e)
		delete(r.old, info.Name)
	} else {
		cr = bump(uint32(now.Unix()))
	}
	r.seq++
	n := &regNode{info: info, cr: cr, seq: r.seq, id: id, conn: c, since: now, remote: remote}
	r.live[info.Name] = n
	return n, ""
}

// unregister removes n if it is still the live registration of its name.
func (r *registry) unregister(n *regNode) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live[n.info.Name] != n {
		return false
	}
	r.retire(n)
	return true
}

// unregisterName removes the registration of name (STOP_REQ).
func (r *registry) unregisterName(name string) *regNode {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.live[name]
	if n != nil {
		r.retire(n)
	}
	return n
}

func (r *registry) retire(n *regNode) {
	delete(r.live, n.info.Name)
	if r.oldQ.Len() >= maxOld {
		front := r.oldQ.Front()
		delete(r.old, front.Value.(*oldNode).name)
		r.oldQ.Remove(front)
	}
	r.old[n.info.Name] = r.oldQ.PushBack(&oldNode{name: n.info.Name, cr: n.cr, port: n.info.Port, id: n.id})
}

func (r *registry) lookup(name string) (NodeInfo, bool) {
	r.mu.RLock()
	n, ok := r.live[name]
	r.mu.RUnlock()
	if !ok {
		return NodeInfo{}, false
	}
	return n.info, true
}

func (r *registry) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.live)
}

// liveNodes returns the live registrations, newest first (OTP's order).
func (r *registry) liveNodes() []*regNode {
	r.mu.RLock()
	out := make([]*regNode, 0, len(r.live))
	for _, n := range r.live {
		out = append(out, n)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b *regNode) int { return cmp.Compare(b.seq, a.seq) })
	return out
}

// oldNodes returns the remembered unregistered names, oldest first.
func (r *registry) oldNodes() []oldNode {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]oldNode, 0, r.oldQ.Len())
	for e := r.oldQ.Front(); e != nil; e = e.Next() {
		out = append(out, *e.Value.(*oldNode))
	}
	return out
}

func (r *registry) snapshot() []RegisteredNode {
	nodes := r.liveNodes()
	out := make([]RegisteredNode, len(nodes))
	for i, n := range nodes {
		out[i] = RegisteredNode{NodeInfo: n.info, Creation: creation(n.cr, n.info.HighestVersion), Since: n.since, Remote: n.remote}
		out[i].Extra = slices.Clone(n.info.Extra)
	}
	return out
}
