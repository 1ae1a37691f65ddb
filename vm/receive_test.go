package vm

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// TestReceiveWokenByExit: a process killed while it waits in a receive
// that has a timeout (with any context, its own or another) or none
// returns ErrExited: the kill wakes it through its mailbox.
func TestReceiveWokenByExit(t *testing.T) {
	rt := newRT(t)
	limit := erltest.Timeout(10 * time.Second)
	for _, c := range []struct {
		name    string
		own     bool
		timeout time.Duration
	}{
		{"background, timeout", false, time.Hour},
		{"background, infinity", false, Infinity},
		{"own context, timeout", true, time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 200; i++ {
				p, _ := rt.NewProcess(SpawnOptions{})
				ctx := context.Background()
				if c.own {
					ctx = p.Context()
				}
				got := make(chan error, 1)
				go func() {
					_, err := p.Receive(ctx, nil, c.timeout)
					got <- err
				}()
				if i%2 == 1 {
					waitWaiting(t, p, limit)
				}
				p.Exit(term.Atom("kill"))
				select {
				case err := <-got:
					if !errors.Is(err, ErrExited) {
						t.Fatalf("round %d: %v, want ErrExited", i, err)
					}
				case <-time.After(limit):
					t.Fatalf("round %d: the receive was not woken by the exit", i)
				}
			}
		})
	}
}

// armAt re-arms p's receive timer to fire in d, as a receive with that
// timeout left it.
func armAt(p *Process, d time.Duration) {
	p.mb.mu.Lock()
	defer p.mb.mu.Unlock()
	if p.mb.timer != nil {
		p.mb.timer.t.Stop()
		p.mb.timer.at = 0
	}
	p.mb.armLocked(p.rt, p.rt.clock()+d)
}

// timerAt says when p's receive timer fires, on p.rt.clock (0: not
// armed).
func timerAt(p *Process) time.Duration {
	p.mb.mu.Lock()
	defer p.mb.mu.Unlock()
	if p.mb.timer == nil {
		return 0
	}
	return p.mb.timer.at
}

func limitFor() time.Duration { return erltest.Timeout(10 * time.Second) }

// waitWaiting polls until p's mailbox has its wake-up channel, that is
// until its receive has found nothing and is about to wait.
func waitWaiting(t *testing.T, p *Process, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(time.Millisecond) {
		p.mb.mu.Lock()
		ready := p.mb.notify != nil
		p.mb.mu.Unlock()
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the receive never waited")
		}
	}
}

// TestReceiveContextAndTimers: a receive ends with its context's error;
// the runtime's receive timers are reused, and a timer that expired (or
// was stopped after a message came first) makes no later receive time
// out early.
func TestReceiveContextAndTimers(t *testing.T) {
	rt := newRT(t)
	p, _ := rt.NewProcess(SpawnOptions{})
	defer p.Exit(Normal)
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := p.Receive(ctx, nil, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled receive: %v", err)
	}
	for i := 0; i < 50; i++ {
		// An expired timer goes back to the pool...
		if _, err := p.Receive(context.Background(), nil, time.Millisecond); err != ErrTimeout {
			t.Fatalf("round %d: short receive: %v", i, err)
		}
		// ...and the next receive, with a long timeout, gets its message.
		go func() { _ = rt.Send(p.Self(), p.Self(), term.Int(i)) }()
		m, err := p.Receive(context.Background(), nil, erltest.Timeout(10*time.Second))
		if err != nil || m != term.Int(i) {
			t.Fatalf("round %d: %v %v", i, m, err)
		}
	}
	// A timer armed for an earlier, shorter deadline fires while a
	// longer receive waits: the receive re-arms it and waits on.
	armAt(p, 20*time.Millisecond)
	go func() {
		for deadline := time.Now().Add(limitFor()); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if at := timerAt(p); at > p.rt.clock()+time.Second {
				break // fired, and re-armed for the receive's own deadline
			}
		}
		_ = rt.Send(p.Self(), p.Self(), term.Atom("late"))
	}()
	if m, err := p.Receive(context.Background(), nil, erltest.Timeout(10*time.Second)); err != nil || m != term.Atom("late") {
		t.Fatalf("late: %v %v", m, err)
	}
	// A timer armed for a later deadline does not delay a short receive.
	armAt(p, time.Hour)
	got := make(chan error, 1)
	go func() {
		_, err := p.Receive(context.Background(), nil, 5*time.Millisecond)
		got <- err
	}()
	select {
	case err := <-got:
		if err != ErrTimeout {
			t.Fatalf("short after long: %v", err)
		}
	case <-time.After(limitFor()):
		t.Fatal("a 5 ms receive waited for the timer armed for an hour")
	}
	// A receive that does not match leaves the message queued and times
	// out; a matching one takes it at once.
	_ = rt.Send(p.Self(), p.Self(), term.Atom("other"))
	if _, err := p.Receive(context.Background(), func(m term.Term) bool { return m == term.Atom("x") }, 5*time.Millisecond); err != ErrTimeout {
		t.Fatalf("unmatched: %v", err)
	}
	if m, err := p.Receive(context.Background(), nil, 0); err != nil || m != term.Atom("other") {
		t.Fatalf("queued: %v %v", m, err)
	}
}
