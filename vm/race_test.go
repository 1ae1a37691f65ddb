package vm

import (
	"context"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// TestReceiveMeetsAConcurrentFirstMessage: a process's mailbox makes its
// wake-up channel when it first waits; a message put just before that
// (which could signal no one) is still found, with a timeout, without
// one, and through a Batch.
func TestReceiveMeetsAConcurrentFirstMessage(t *testing.T) {
	rt := newRT(t)
	limit := erltest.Timeout(10 * time.Second)
	for i := 0; i < 2000; i++ {
		p, _ := rt.NewProcess(SpawnOptions{})
		go func() {
			if i%2 == 0 {
				_ = rt.Send(p.Self(), p.Self(), term.Int(i))
				return
			}
			var b Batch
			rt.DeliverBatched(p.Self(), term.Int(i), &b)
			b.Wake()
		}()
		ctx := context.Background()
		timeout := limit
		done := make(chan struct{})
		if i%3 == 0 {
			// The process's own context and no timeout: receiveOwn.
			ctx, timeout = p.Context(), Infinity
			go func() {
				select {
				case <-done:
				case <-time.After(limit):
					p.Exit(term.Atom("stuck"))
				}
			}()
		}
		m, err := p.Receive(ctx, nil, timeout)
		close(done)
		if err != nil || m != term.Int(i) {
			t.Fatalf("round %d: %v %v", i, m, err)
		}
		p.Exit(Normal)
	}
}
