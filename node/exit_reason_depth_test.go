package node

import (
	"errors"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// An exit reason goes in the control message to a peer without
// DFLAG_EXIT_PAYLOAD (EXIT2, EXIT, MONITOR_P_EXIT). One nested deeper
// than the limit used to fail in the connection's writer, which dropped
// the connection (every link and monitor over it saw noconnection); it
// is refused at the sender with the typed depth error, as a too-deep
// payload is, and the connection stays up.
func TestTooDeepExitReasonRefusedAtSender(t *testing.T) {
	ep := erltest.StartEpmd(t)
	cookie := erltest.RandomName("c")
	a := startNode(t, ep.Port, cookie, nil)
	b := startNode(t, ep.Port, cookie, func(c *Config) { c.withoutFlags = handshake.ExitPayload })
	if err := a.Connect(ctxT(t), b.Name()); err != nil {
		t.Fatal(err)
	}
	if peer, _ := a.Peer(b.Name()); peer.Flags.Has(handshake.ExitPayload) {
		t.Fatal("b offers EXIT_PAYLOAD: the test needs a peer without it")
	}
	pa, err := a.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Exit(vm.Normal)
	pb, err := b.Runtime().NewProcess(vm.SpawnOptions{TrapExit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Exit(vm.Normal)

	var deep term.Term = term.Int(0)
	for range etf.DefaultMaxDepth + 10 {
		deep = term.Tuple{deep}
	}
	err = a.Runtime().ExitSignal(pa.Self(), pb.Self(), deep)
	var de *etf.DepthError
	if !errors.As(err, &de) || !de.Encode || de.Limit != etf.DefaultMaxDepth {
		t.Fatalf("exit/2 with a too-deep reason: %v", err)
	}
	// The connection is still up: the next exit signal arrives.
	if err := a.Runtime().ExitSignal(pa.Self(), pb.Self(), term.Atom("small")); err != nil {
		t.Fatal(err)
	}
	m := recvMatch(t, pb, tupleTag("EXIT", 3)).(term.Tuple)
	if m[1] != pa.Self() || m[2] != term.Atom("small") {
		t.Fatalf("got %v", m)
	}
	if reason := a.DisconnectReason(b.Name()); reason != nil {
		t.Fatalf("the connection was dropped: %v", reason)
	}
	if _, ok := a.Peer(b.Name()); !ok {
		t.Fatal("not connected any more")
	}
}
