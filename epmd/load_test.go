package epmd

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/internal/erltest"
)

// TestServerLoad: 200 concurrent clients × 50 lookups while slowloris and
// malformed clients misbehave; every valid lookup must be answered
// correctly, and nothing may leak after Close.
func TestServerLoad(t *testing.T) { bothAcceptPaths(t, testLoad) }

func testLoad(t *testing.T, netAccept bool) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const (
		clients  = 200
		lookups  = 50
		nodes    = 20
		slowpoke = 8
	)
	s := NewServer(Config{Port: AnyPort, LoopbackOnly: true, PacketTimeout: time.Second})
	s.netAccept = netAccept
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Client{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port()), Timeout: 20 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(50*time.Second))
	defer cancel()
	var regs []*Registration
	for i := range nodes {
		r, err := c.Register(ctx, NodeInfo{Name: fmt.Sprintf("n%d", i), Port: uint16(10000 + i)})
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, r)
	}

	// Misbehaving clients run for the whole test.
	stopBad := make(chan struct{})
	var bad sync.WaitGroup
	for i := range slowpoke {
		bad.Add(1)
		go func() {
			defer bad.Done()
			for {
				select {
				case <-stopBad:
					return
				default:
				}
				conn, err := net.Dial("tcp", c.Addr)
				if err != nil {
					continue
				}
				switch i % 4 {
				case 0: // slowloris: a byte now and then, never a full request
					conn.Write([]byte{0})
					select {
					case <-stopBad:
					case <-time.After(400 * time.Millisecond):
						conn.Write([]byte{5})
						select {
						case <-stopBad:
						case <-time.After(erltest.Timeout(2 * time.Second)):
						}
					}
				case 1: // oversized length
					conn.Write([]byte{0xff, 0xff, 'n', 'n', 'n'})
				case 2: // garbage tag
					conn.Write([]byte{0, 3, 'Q', 1, 2})
				case 3: // truncated ALIVE2
					conn.Write([]byte{0, 14, 'x', 0, 1, 77, 0, 0, 6, 0, 6, 0, 9})
				}
				conn.SetReadDeadline(time.Now().Add(erltest.Timeout(3 * time.Second)))
				conn.Read(make([]byte, 8))
				conn.Close()
			}
		}()
	}

	var ok, wrong atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range lookups {
				k := (i + j) % nodes
				info, err := c.Lookup(ctx, fmt.Sprintf("n%d", k))
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					wrong.Add(1)
					continue
				}
				if info.Port != uint16(10000+k) {
					wrong.Add(1)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stopBad)
	bad.Wait()
	if ok.Load() != clients*lookups {
		t.Fatalf("%d of %d lookups answered correctly (%d wrong or failed; first error: %v)", ok.Load(), clients*lookups, wrong.Load(), firstErr.Load())
	}
	if len(s.Snapshot()) != nodes {
		t.Fatalf("registrations after load: %d, want %d", len(s.Snapshot()), nodes)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		select {
		case <-r.Done():
		case <-time.After(erltest.Timeout(5 * time.Second)):
			t.Fatal("registration not ended by server Close")
		}
		r.Close()
	}
}
