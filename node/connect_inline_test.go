package node

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// gatedMapper is a port mapper whose Lookup of the one node it knows
// waits for gate (or the caller's ctx); entered gets a value at each
// Lookup.
type gatedMapper struct {
	port    int
	gate    chan struct{}
	entered chan struct{}
	lookups atomic.Int32
}

func (m *gatedMapper) Register(context.Context, string, int, bool) (uint32, io.Closer, error) {
	return 0, nil, errors.New("not a registry")
}

func (m *gatedMapper) Lookup(ctx context.Context, _, _ string) (int, error) {
	m.lookups.Add(1)
	m.entered <- struct{}{}
	select {
	case <-m.gate:
		return m.port, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func gatedPair(t *testing.T) (a, b *Node, m *gatedMapper) {
	b = startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	m = &gatedMapper{port: b.ListenPort(), gate: make(chan struct{}), entered: make(chan struct{}, 4)}
	a = startNode(t, 0, "c", func(c *Config) { c.PortMapper, c.ListenAddr = m, "-" })
	return a, b, m
}

func waitEntered(t *testing.T, m *gatedMapper) {
	t.Helper()
	select {
	case <-m.entered:
	case <-time.After(erltest.Timeout(10 * time.Second)):
		t.Fatal("no epmd lookup started")
	}
}

// The caller of Connect runs the set-up itself when nothing else waits
// for the node; cancelling it ends the attempt, and nothing is left
// running or queued.
func TestConnectInlineCancelled(t *testing.T) {
	a, b, m := gatedPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Connect(ctx, b.Name()) }()
	waitEntered(t, m)
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Connect after cancel = %v, want context.Canceled", err)
	}
	a.mu.Lock()
	p := a.peers[b.Name()]
	a.mu.Unlock()
	if p != nil {
		t.Fatalf("peer entry left after a cancelled lone attempt: %+v", p)
	}
	if n := m.lookups.Load(); n != 1 {
		t.Fatalf("%d lookups, want 1 (no retry for nobody)", n)
	}
	close(m.gate)
	if err := a.Connect(ctxT(t), b.Name()); err != nil {
		t.Fatalf("Connect after the cancelled one: %v", err)
	}
}

// An attempt run by a Connect caller that gives up while another Connect
// waits for the node goes on for the other one.
func TestConnectInlineHandsOver(t *testing.T) {
	a, b, m := gatedPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- a.Connect(ctx, b.Name()) }()
	waitEntered(t, m)
	second := make(chan error, 1)
	go func() { second <- a.Connect(ctxT(t), b.Name()) }()
	deadline := time.Now().Add(erltest.Timeout(10 * time.Second))
	for {
		a.mu.Lock()
		w := 0
		if p := a.peers[b.Name()]; p != nil {
			w = p.waiters
		}
		a.mu.Unlock()
		if w == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second Connect never waited")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first Connect = %v, want context.Canceled", err)
	}
	waitEntered(t, m) // the attempt started again for the second caller
	close(m.gate)
	if err := <-second; err != nil {
		t.Fatalf("second Connect = %v, want connected", err)
	}
	if _, ok := a.Peer(b.Name()); !ok {
		t.Fatal("not connected after the second Connect")
	}
}
