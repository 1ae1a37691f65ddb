package node

import (
	"strconv"
	"syscall"
	"testing"

	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// isSpawnReplyTo matches the {spawn_reply, ReqID, _, _} of reqID.
func isSpawnReplyTo(reqID term.Ref) func(term.Term) bool {
	return func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) == 4 && t[0] == term.Atom("spawn_reply") && t[1] == reqID
	}
}

func wantNoConnection(t *testing.T, p *vm.Process, reqID term.Ref) {
	t.Helper()
	// The receive timeout is only a guard against a hang: the answer
	// must come from the lost connection, not from a timer.
	reply := recvMatch(t, p, isSpawnReplyTo(reqID)).(term.Tuple)
	if reply[2] != term.Atom("error") || reply[3] != term.Atom("noconnection") {
		t.Fatalf("reply %v, want {spawn_reply, Ref, error, noconnection}", reply)
	}
}

// pendingOn returns how many spawn requests wait for a reply on the
// connection to name (0 when not connected).
func pendingOn(n *Node, name term.Atom) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[name]; p != nil && p.conn != nil {
		return p.conn.spawns.len()
	}
	return 0
}

// TestSpawnReplyNoConnectionWhenLinkDrops: a peer that takes a spawn
// request and drops the connection before replying leaves the requester
// with {spawn_reply, ReqID, error, noconnection} (as OTP answers), not
// waiting for its own timeout; an abandoned request gets nothing.
func TestSpawnReplyNoConnectionWhenLinkDrops(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	peer := dialScriptedBEAM(t, n, "beam@127.0.0.1")
	p, err := n.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Exit(vm.Normal)
	reqID, err := n.SpawnRequest(p, "beam@127.0.0.1", "timer", "sleep", []term.Term{term.Int(60000)}, SpawnOptions{Monitor: true})
	if err != nil {
		t.Fatal(err)
	}
	abandoned, err := n.SpawnRequest(p, "beam@127.0.0.1", "timer", "sleep", []term.Term{term.Int(1)}, SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.AbandonSpawn(abandoned)
	if got := pendingOn(n, "beam@127.0.0.1"); got != 2 {
		t.Fatalf("%d requests tracked, want 2", got)
	}
	if req := peer.next(dist.KindSpawnRequest); req.ReqID != reqID {
		t.Fatalf("spawn request %v, want %v", req.ReqID, reqID)
	}
	peer.c.Close()
	wantNoConnection(t, p, reqID)
	if msgs := p.Messages(); len(msgs) != 0 {
		t.Fatalf("left in the mailbox (the abandoned request must get no reply): %v", msgs)
	}
	// A reply that did come is no longer tracked.
	peer = dialScriptedBEAM(t, n, "beam@127.0.0.1")
	reqID, err = n.SpawnRequest(p, "beam@127.0.0.1", "erlang", "node", nil, SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	peer.next(dist.KindSpawnRequest)
	child := term.Pid{Node: "beam@127.0.0.1", ID: 9, Creation: 7}
	peer.send(dist.Signal{Kind: dist.KindSpawnReply, ReqID: reqID, To: p.Self(), Result: child})
	if reply := recvMatch(t, p, isSpawnReplyTo(reqID)).(term.Tuple); reply[3] != child {
		t.Fatalf("reply %v", reply)
	}
	if got := pendingOn(n, "beam@127.0.0.1"); got != 0 {
		t.Fatalf("%d requests still tracked after their reply", got)
	}
	peer.c.Close()
	if _, err := p.Receive(ctxT(t), isSpawnReplyTo(reqID), 0); err == nil {
		t.Fatal("a request already answered was answered again when the link dropped")
	}
}

// TestSpawnReplyNoConnectionWhenErlKilled: a real erl node stopped
// before it could answer a spawn request and then killed gives the
// requester noconnection as soon as the connection drops.
func TestSpawnReplyNoConnectionWhenErlKilled(t *testing.T) {
	e, n := interop(t, nil)
	if err := n.Connect(ctxT(t), term.Atom(e.Name)); err != nil {
		t.Fatal(err)
	}
	osPid, err := strconv.Atoi(e.Eval(t, "list_to_integer(os:getpid())"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Exit(vm.Normal)
	// Stopped, erl cannot answer: the request is in flight when it dies.
	if err := syscall.Kill(osPid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	reqID, err := n.SpawnRequest(p, term.Atom(e.Name), "erlang", "node", nil, SpawnOptions{Monitor: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := pendingOn(n, term.Atom(e.Name)); got != 1 {
		_, connected := n.Peer(term.Atom(e.Name))
		t.Fatalf("%d requests tracked, want 1 (connected: %v; last disconnect: %v)", got, connected, n.DisconnectReason(term.Atom(e.Name)))
	}
	e.Kill()
	wantNoConnection(t, p, reqID)
}
