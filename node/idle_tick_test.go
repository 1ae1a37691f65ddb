package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// An idle connection stays up: the writer goroutine ticks, so BEAM
// (net_ticktime 4 s: a peer silent for about 4 s is dropped) never sees
// us silent. The test idles for twice net_ticktime.
func TestIdleConnectionKeptByTicks(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Args: []string{"-kernel", "net_ticktime", "4"}})
	n := startNode(t, e.EpmdPort, e.Cookie, func(c *Config) { c.TickTime = 4 * time.Second })
	events, cancel := n.Subscribe(4)
	defer cancel()
	if err := n.Connect(ctxT(t), term.Atom(e.Name)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(8 * time.Second) // what is tested: two net_ticktimes of silence from both users
	for {
		select {
		case ev := <-events:
			if !ev.Up {
				t.Fatalf("connection dropped while idle: %+v", ev)
			}
			continue
		default:
		}
		break
	}
	if _, ok := n.Peer(term.Atom(e.Name)); !ok {
		t.Fatal("no longer connected after idling")
	}
	if got := e.Eval(t, fmt.Sprintf("lists:member('%s', nodes(hidden))", n.Name())); got != "true" {
		t.Fatalf("erl does not list us in nodes(hidden): %s", got)
	}
}
