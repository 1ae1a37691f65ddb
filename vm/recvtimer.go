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
	t  *time.Timer // an AfterFunc timer calling the mailbox's timeUp
	at time.Time   // when it fires; zero once it has fired (or stopped)
}

// armLocked makes sure the timer fires no later than deadline (m.mu
// held).
func (m *mailbox) armLocked(deadline time.Time) {
	if m.timer == nil {
		m.timer = &recvTimer{at: deadline}
		m.timer.t = time.AfterFunc(time.Until(deadline), m.timeUp)
		return
	}
	if tm := m.timer; tm.at.IsZero() || tm.at.After(deadline) {
		tm.at = deadline
		tm.t.Reset(time.Until(deadline))
	}
}

// timeUp runs when the timer fires: it marks the timer as fired unless
// it was re-armed meanwhile, and wakes the receiver.
func (m *mailbox) timeUp() {
	m.mu.Lock()
	if tm := m.timer; !tm.at.IsZero() && !time.Now().Before(tm.at) {
		tm.at = time.Time{}
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
