package vm

import "time"

// recvTimer is a mailbox's timer for receives with a timeout. It is
// armed by the first receive that waits with one and then left running
// between receives: a receive whose deadline is no earlier than when the
// timer fires keeps it as it is, so a conversation (a request, then a
// receive of the answer with a timeout, again and again) neither makes
// nor stops nor resets a timer per message — each of those took the
// runtime's timer locks, and a timer that waited in a select was added
// to and removed from the scheduler's heap every time. When the timer
// fires it only signals the mailbox's notify channel; the receiver then
// compares the clock with its own deadline, and re-arms the timer if it
// fired for an earlier receive's deadline. A firing nobody waits for
// leaves one spare wake-up token, which a receive takes as a spurious
// wake-up (it looks at the queue again and waits on).
type recvTimer struct {
	rt *Runtime
	t  *time.Timer   // an AfterFunc timer calling the mailbox's timeUp
	at time.Duration // when it fires, on rt.clock; 0 once it has fired (or stopped)
}

// clock is the runtime's monotonic clock: the time since it started
// (one read of the monotonic clock, where time.Now reads two clocks).
// Receive deadlines are on it.
func (rt *Runtime) clock() time.Duration { return time.Since(rt.started) }

// armLocked makes sure the timer fires no later than deadline, on rt's
// clock (m.mu held).
func (m *mailbox) armLocked(rt *Runtime, deadline time.Duration) {
	if m.timer == nil {
		m.timer = &recvTimer{rt: rt, at: deadline}
		m.timer.t = time.AfterFunc(deadline-rt.clock(), m.timeUp)
		return
	}
	if tm := m.timer; tm.at == 0 || tm.at > deadline {
		tm.at = deadline
		tm.t.Reset(deadline - rt.clock())
	}
}

// timeUp runs when the timer fires: it marks the timer as fired unless
// it was re-armed meanwhile, and wakes the receiver.
func (m *mailbox) timeUp() {
	m.mu.Lock()
	if tm := m.timer; tm.at != 0 && tm.rt.clock() >= tm.at {
		tm.at = 0
	}
	notify := m.notify
	m.mu.Unlock()
	if notify != nil {
		select {
		case notify <- struct{}{}:
		default:
		}
	}
}
