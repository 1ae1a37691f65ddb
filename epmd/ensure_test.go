package epmd

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
)

func freePort(t *testing.T) int {
	t.Helper()
	p, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEnsureStartsOneServer(t *testing.T) {
	ctx := ctxT(t)
	port := freePort(t)
	// Several "avmsh processes" start at once: exactly one serves.
	const racers = 6
	servers := make([]*Server, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = Ensure(ctx, Config{Port: port, LoopbackOnly: true})
		}()
	}
	wg.Wait()
	var srv *Server
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if servers[i] != nil {
			if srv != nil {
				t.Fatal("two racers started a server")
			}
			srv = servers[i]
		}
	}
	if srv == nil {
		t.Fatal("no racer started a server")
	}
	defer srv.Close()
	c := NewClient(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	r, err := c.Register(ctx, NodeInfo{Name: "embedded", Port: 9999})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if s, err := Ensure(ctx, Config{Port: port}); s != nil || err != nil {
		t.Fatalf("Ensure with our epmd running = %v, %v; want nil, nil", s, err)
	}
}

// TestEnsureLosesTheRace: another process binds the port between our
// probe and our listen; Ensure must see EADDRINUSE and become a client.
func TestEnsureLosesTheRace(t *testing.T) {
	port := freePort(t)
	var winner *Server
	calls := 0
	s, err := ensure(ctxT(t), Config{Port: port, LoopbackOnly: true}, func() {
		calls++
		if winner == nil {
			winner = NewServer(Config{Port: port, LoopbackOnly: true})
			if err := winner.Start(); err != nil {
				t.Errorf("winner: %v", err)
			}
		}
	})
	if winner != nil {
		defer winner.Close()
	}
	if s != nil || err != nil || calls != 1 {
		t.Fatalf("Ensure after losing the race = %v, %v (%d attempts); want nil, nil after 1", s, err, calls)
	}
}

func TestEnsureFindsOTPEpmd(t *testing.T) {
	e := erltest.StartEpmd(t)
	s, err := Ensure(ctxT(t), Config{Port: e.Port})
	if s != nil || err != nil {
		t.Fatalf("Ensure with OTP's epmd running = %v, %v; want nil, nil", s, err)
	}
}

func TestEnsureRefusesAStranger(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	_, err = Ensure(context.Background(), Config{Port: l.Addr().(*net.TCPAddr).Port})
	if err == nil || !strings.Contains(err.Error(), "not like an epmd") {
		t.Fatalf("Ensure against a non-epmd: %v", err)
	}
	l.Close()
	<-done
}
