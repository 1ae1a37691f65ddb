package node

import (
	"sync"
	"testing"

	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// TestBurstsArriveWholeAndInOrder: senders that write into the
// connection's buffer themselves (a burst, held back until the sender
// pauses), concurrent senders that fall back to the queue, and a lone
// message after a burst: every message arrives, in each sender's order,
// with nothing left in a buffer once the senders stop.
func TestBurstsArriveWholeAndInOrder(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	peer := dialScriptedBEAM(t, n, "beam@127.0.0.1")
	to := term.Pid{Node: "beam@127.0.0.1", ID: 5, Creation: 7}
	const senders, each = 4, 3000
	var procs []*vm.Process
	for range senders {
		p, err := n.Runtime().NewProcess(vm.SpawnOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Exit(vm.Normal)
		procs = append(procs, p)
	}
	var wg sync.WaitGroup
	for s, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := p.Send(to, term.Tuple{term.Int(s), term.Int(i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// After the burst, one more message from the first sender.
	if err := procs[0].Send(to, term.Atom("last")); err != nil {
		t.Fatal(err)
	}
	next := make([]int, senders)
	for got := 0; got < senders*each+1; got++ {
		s := peer.next(dist.KindSend) // fails the test if nothing comes
		if s.Msg == term.Atom("last") {
			if got != senders*each {
				t.Fatalf("the lone message overtook %d of the burst", senders*each-got)
			}
			continue
		}
		m := s.Msg.(term.Tuple)
		who, i := int(m[0].(term.Int)), int(m[1].(term.Int))
		if i != next[who] {
			t.Fatalf("sender %d: message %d arrived where %d was due", who, i, next[who])
		}
		next[who]++
	}
}
