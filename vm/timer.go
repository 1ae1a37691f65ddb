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
