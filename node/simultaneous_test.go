package node

import (
	"sync"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
)

// TestSimultaneousConnect: two avmsh nodes connect to each other at the
// same moment, many times; the name-order rule leaves one connection and
// both sides agree.
func TestSimultaneousConnect(t *testing.T) {
	ep := erltest.StartEpmd(t)
	for round := 0; round < 10; round++ {
		a := startNode(t, ep.Port, "c", nil)
		b := startNode(t, ep.Port, "c", nil)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() { defer wg.Done(); errs[0] = a.Connect(ctxT(t), b.Name()) }()
		go func() { defer wg.Done(); errs[1] = b.Connect(ctxT(t), a.Name()) }()
		wg.Wait()
		// The loser's own attempt is told nok, but its Connect waits for
		// the winner's connection and succeeds, as with OTP's net_kernel.
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: connect errors %v", round, errs)
		}
		if err := a.Ping(ctxT(t), b.Name()); err != nil {
			t.Fatalf("round %d: ping after simultaneous connect: %v (connect errors %v)", round, err, errs)
		}
		if err := b.Ping(ctxT(t), a.Name()); err != nil {
			t.Fatalf("round %d: reverse ping: %v", round, err)
		}
		if len(a.Nodes()) != 1 || len(b.Nodes()) != 1 {
			t.Fatalf("round %d: %d and %d connections", round, len(a.Nodes()), len(b.Nodes()))
		}
		a.Stop()
		b.Stop()
	}
}
