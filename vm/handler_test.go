package vm

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// TestSpawnHandlerOrderAndReceive: messages are handled one at a time in
// the order they came, a handler may receive selectively (and later
// messages wait their turn), and a returned reason ends the process for
// its links and monitors.
func TestSpawnHandlerOrderAndReceive(t *testing.T) {
	rt := newRT(t)
	self, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	defer self.Exit(Normal)
	h, mref, err := rt.SpawnHandler(func(p *Process, m term.Term) term.Term {
		tp := m.(term.Tuple)
		switch tp[0] {
		case term.Atom("echo"):
			_ = p.Send(self.Self(), tp[1])
		case term.Atom("wait_for"):
			// Selective: skips what is queued before the wanted message.
			got, err := p.Receive(p.Context(), func(m term.Term) bool { return m == tp[1] }, Infinity)
			if err != nil {
				return Normal
			}
			_ = p.Send(self.Self(), term.Tuple{term.Atom("got"), got})
		case term.Atom("stop"):
			return tp[1]
		}
		return nil
	}, SpawnOptions{Parent: self, Link: true, Monitor: true, Name: "h"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		_ = self.Send(h.Self(), term.Tuple{term.Atom("echo"), term.Int(i)})
	}
	for i := range 5 {
		if m := recv(t, self, nil); m != term.Int(i) {
			t.Fatalf("got %v, want %d", m, i)
		}
	}
	_ = self.Send(term.Atom("h"), term.Tuple{term.Atom("wait_for"), term.Atom("key")})
	_ = self.Send(h.Self(), term.Tuple{term.Atom("echo"), term.Atom("after")})
	_ = self.Send(h.Self(), term.Atom("key"))
	if m := recv(t, self, nil); !term.ExactEqual(m, term.Tuple{term.Atom("got"), term.Atom("key")}) {
		t.Fatalf("got %v", m)
	}
	if m := recv(t, self, nil); m != term.Atom("after") {
		t.Fatalf("got %v, want the message queued behind the selective receive", m)
	}
	_ = self.Send(h.Self(), term.Tuple{term.Atom("stop"), term.Atom("bye")})
	if m := recv(t, self, isExit).(term.Tuple); m[2] != term.Atom("bye") {
		t.Fatalf("exit %v", m)
	}
	if m := recv(t, self, isDown).(term.Tuple); m[1] != mref || m[4] != term.Atom("bye") {
		t.Fatalf("down %v", m)
	}
	if _, ok := rt.WhereIs("h"); ok {
		t.Fatal("name kept after exit")
	}
}

// TestSpawnHandlerIdleHasNoGoroutine: idle SpawnHandler processes hold
// no goroutine, and they die like any process while idle (exit signal,
// kill, Shutdown).
func TestSpawnHandlerIdleHasNoGoroutine(t *testing.T) {
	rt := newRT(t)
	self, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	defer self.Exit(Normal)
	before := runtime.NumGoroutine()
	const n = 1000
	var ps []*Process
	for range n {
		p, _, err := rt.SpawnHandler(func(p *Process, m term.Term) term.Term {
			_ = p.Send(self.Self(), m)
			return nil
		}, SpawnOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for i, p := range ps {
		_ = self.Send(p.Self(), term.Int(i))
	}
	for range n {
		recv(t, self, nil)
	}
	// Handlers end when their mailboxes are empty.
	deadline := time.Now().Add(erltest.Timeout(10 * time.Second))
	for runtime.NumGoroutine() > before+10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+10 {
		t.Fatalf("%d goroutines for %d idle handler processes (%d before)", g, n, before)
	}
	// Killed while idle: links and monitors hear of it.
	self.Link(ps[0].Self())
	ref, _ := self.Monitor(ps[1].Self())
	_ = rt.ExitSignal(self.Self(), ps[0].Self(), Kill)
	if m := recv(t, self, isExit).(term.Tuple); m[2] != Killed {
		t.Fatalf("exit %v", m)
	}
	ps[1].Exit(term.Atom("done"))
	if m := recv(t, self, isDown).(term.Tuple); m[1] != ref || m[4] != term.Atom("done") {
		t.Fatalf("down %v", m)
	}
	select {
	case <-ps[1].Done():
	default:
		t.Fatal("Done not closed for a dead handler process")
	}
	// A message to a dead handler process starts nothing.
	_ = self.Send(ps[1].Self(), term.Atom("late"))
	if _, err := self.Receive(context.Background(), nil, 0); err == nil {
		t.Fatal("a dead handler process answered")
	}
}

// TestSpawnHandlerPanicAndTrapExit: a panicking handler ends the process
// with go_panic; a process trapping exits gets EXIT messages as messages.
func TestSpawnHandlerPanicAndTrapExit(t *testing.T) {
	rt := New(Config{Node: "t@localhost", Creation: 7, Logger: discardLogger()})
	defer rt.Shutdown()
	self, _ := rt.NewProcess(SpawnOptions{})
	defer self.Exit(Normal)
	h, _, _ := rt.SpawnHandler(func(p *Process, m term.Term) term.Term {
		if isExit(m) {
			_ = p.Send(self.Self(), m)
			return nil
		}
		panic("boom")
	}, SpawnOptions{TrapExit: true})
	ref, _ := self.Monitor(h.Self())
	_ = rt.ExitSignal(self.Self(), h.Self(), term.Atom("shutdown_please"))
	if m := recv(t, self, isExit).(term.Tuple); m[2] != term.Atom("shutdown_please") {
		t.Fatalf("trapped exit %v", m)
	}
	_ = self.Send(h.Self(), term.Atom("crash"))
	d := recv(t, self, isDown).(term.Tuple)
	if d[1] != ref {
		t.Fatalf("down %v", d)
	}
	if r, ok := d[4].(term.Tuple); !ok || r[0] != term.Atom("go_panic") {
		t.Fatalf("reason %v, want go_panic", d[4])
	}
}
