package source

import (
	"testing"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/term"
)

// A nodedown that arrives between a poll's listing of the connections
// and the poll's update of the rows is newer than the listing: the row
// stays down, and stays down on the next polls (no later listing names
// the node). This is the race a dashboard test hit when a node was
// killed as the cluster view came back on screen: the stale listing
// marked the node up again, for good.
func TestReconcileKeepsANewerNodedown(t *testing.T) {
	const e2 = term.Atom("e2@h")
	cl := &cluster{rows: map[term.Atom]*NodeRow{}}
	t0 := time.Now()
	cl.reconcile([]node.PeerInfo{{Node: e2, Transport: "tcp"}}, t0)
	if got := cl.rows[e2].State; got != StateUp {
		t.Fatalf("listed node: %s, want up", got)
	}

	taken := t0.Add(time.Second) // the poll lists e2 ...
	cl.nodeEvent(node.NodeEvent{Node: e2, Up: false, Reason: "connection_closed"})
	cl.rows[e2].Since = taken.Add(time.Millisecond) // ... and the nodedown comes just after
	cl.reconcile([]node.PeerInfo{{Node: e2, Transport: "tcp"}}, taken)
	if got := cl.rows[e2].State; got != StateDown {
		t.Fatalf("after a nodedown newer than the listing: %s, want down", got)
	}
	cl.reconcile(nil, taken.Add(time.Second))
	if got := cl.rows[e2].State; got != StateDown {
		t.Fatalf("on the next poll: %s, want down", got)
	}
}

// A row left up whose connection no listing names any more (its
// nodedown lost to the race above, or not yet delivered) is marked down
// by the next poll; a row made up after the listing was taken (a
// connection just made) is not.
func TestReconcileMarksUnlistedRowsDown(t *testing.T) {
	old, fresh := term.Atom("old@h"), term.Atom("fresh@h")
	taken := time.Now()
	cl := &cluster{rows: map[term.Atom]*NodeRow{
		old:   {Name: old, State: StateUp, Since: taken.Add(-time.Minute)},
		fresh: {Name: fresh, State: StateUp, Since: taken.Add(time.Millisecond)},
	}}
	cl.reconcile(nil, taken)
	if got := cl.rows[old].State; got != StateDown {
		t.Errorf("unlisted row: %s, want down", got)
	}
	if got := cl.rows[fresh].State; got != StateUp {
		t.Errorf("row made up after the listing: %s, want up", got)
	}
	// Listed again later: up, with the time it came back.
	back := taken.Add(time.Minute)
	cl.reconcile([]node.PeerInfo{{Node: old}}, back)
	if r := cl.rows[old]; r.State != StateUp || !r.Since.Equal(back) {
		t.Errorf("listed again: %s since %v, want up since %v", r.State, r.Since, back)
	}
}
