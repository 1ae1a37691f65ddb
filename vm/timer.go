package vm

import (
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// SendAfter sends msg from `from` to dest after d (erlang:send_after/3)
// and returns the timer reference.
func (rt *Runtime) SendAfter(d time.Duration, from term.Pid, dest term.Term, msg term.Term) term.Ref {
	ref := rt.MakeRef()
	rt.timersMu.Lock()
	rt.timers[ref] = time.AfterFunc(d, func() {
		rt.timersMu.Lock()
		_, active := rt.timers[ref]
		delete(rt.timers, ref)
		rt.timersMu.Unlock()
		if active {
			_ = rt.Send(from, dest, msg)
		}
	})
	rt.timersMu.Unlock()
	return ref
}

// CancelTimer cancels a timer (erlang:cancel_timer/1) and reports whether
// it was still pending.
func (rt *Runtime) CancelTimer(ref term.Ref) bool {
	rt.timersMu.Lock()
	defer rt.timersMu.Unlock()
	t, ok := rt.timers[ref]
	if !ok {
		return false
	}
	delete(rt.timers, ref)
	return t.Stop()
}

// SendAfter sends msg to dest after d, from this process.
func (p *Process) SendAfter(d time.Duration, dest term.Term, msg term.Term) term.Ref {
	return p.rt.SendAfter(d, p.pid, dest, msg)
}

// timer returns a timer that fires after d, from the runtime's pool of
// receive timers (a receive with a timeout that has to wait needs one;
// making a new timer and its channel each time was two allocations per
// wait). Give it back with releaseTimer.
func (rt *Runtime) timer(d time.Duration) *time.Timer {
	if t, ok := rt.recvTimers.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

// releaseTimer stops t and returns it to the pool. Since Go 1.23 a
// stopped timer's channel delivers nothing stale, whether or not it had
// fired, so the next Reset starts clean.
func (rt *Runtime) releaseTimer(t *time.Timer) {
	t.Stop()
	rt.recvTimers.Put(t)
}
