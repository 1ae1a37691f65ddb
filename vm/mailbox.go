package vm

import (
	"context"
	"sync"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// mailbox is an unbounded, ordered message queue with selective receive.
// Messages are appended by any goroutine and taken by the owner only.
// For a SpawnHandler process (owner set) the mailbox also says whether a
// goroutine is handling messages, and starts one when a message comes
// to an idle process.
type mailbox struct {
	mu     sync.Mutex
	q      []term.Term // q[head:] are the queued messages, oldest first
	head   int
	notify chan struct{} // capacity 1: "something was appended"; made by the first receive that waits

	driven  bool // a SpawnHandler process's, until it dies
	running bool // its handler goroutine is running
	batched bool // a Batch will wake the owner (putQuiet)

	timer *recvTimer // made by the first receive that waits with a timeout
}

// put appends msg and wakes the receiver. For an idle SpawnHandler
// process it reports true: the caller starts the handler (deliver).
func (m *mailbox) put(msg term.Term) (start bool) {
	m.mu.Lock()
	m.appendLocked(msg)
	return m.wakeUnlock(true)
}

// appendLocked queues msg (m.mu held), first dropping the references of
// a fully consumed queue so that its terms can be collected.
func (m *mailbox) appendLocked(msg term.Term) {
	if m.head > 0 && m.head == len(m.q) {
		clear(m.q)
		m.q, m.head = m.q[:0], 0
	}
	m.q = append(m.q, msg)
}

// wakeUnlock is called with m.mu held and releases it: it claims the
// start of an idle SpawnHandler process's handler when pending says
// there are messages (reported true: the caller starts it), and signals
// a receiver that waits.
func (m *mailbox) wakeUnlock(pending bool) (start bool) {
	notify := m.notify
	start = pending && m.driven && !m.running
	if start {
		m.running = true
	}
	m.mu.Unlock()
	if notify != nil {
		select {
		case notify <- struct{}{}:
		default:
		}
	}
	return start
}

// next takes the oldest message for a handler goroutine; when there is
// none, the handler is marked idle (the next put starts another).
func (m *mailbox) next() (term.Term, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.head == len(m.q) {
		m.running = false
		return nil, false
	}
	msg := m.q[m.head]
	m.q[m.head] = nil
	m.head++
	return msg, true
}

// stop makes a dead SpawnHandler process start no more handlers, and
// wakes a receiveOwn waiting for a message.
func (m *mailbox) stop() {
	m.mu.Lock()
	m.driven = false
	notify := m.notify
	if m.timer != nil {
		m.timer.t.Stop() // the runtime's timers hold no dead process
	}
	m.mu.Unlock()
	if notify != nil {
		select {
		case notify <- struct{}{}:
		default:
		}
	}
}

// receiveOwn is receive with the process's own context and no timeout:
// it waits on notify only, which terminate also signals (stop). notify is
// made before the process is checked, so a terminate that came before
// finds it or is seen by the check.
func (m *mailbox) receiveOwn(p *Process, match func(term.Term) bool) (term.Term, error) {
	notify := m.waitChan()
	scan := 0
	for {
		msg, ok, examined := m.take(match, scan)
		if ok {
			return msg, nil
		}
		scan = examined
		if p.Dead() {
			return nil, ErrExited
		}
		<-notify
	}
}

// waitChan returns the notify channel, making it on first use.
func (m *mailbox) waitChan() chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.notify == nil {
		m.notify = make(chan struct{}, 1)
	}
	return m.notify
}

// len returns the number of queued messages.
func (m *mailbox) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.q) - m.head
}

// take removes and returns the first message, at or after scan messages
// from the head, for which match is true (nil matches anything). It
// returns how many messages it examined so a later call can resume.
func (m *mailbox) take(match func(term.Term) bool, scan int) (term.Term, bool, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.takeLocked(match, scan)
}

// takeLocked is take with m.mu held.
func (m *mailbox) takeLocked(match func(term.Term) bool, scan int) (term.Term, bool, int) {
	live := m.q[m.head:]
	for i := scan; i < len(live); i++ {
		if match == nil || match(live[i]) {
			msg := live[i]
			if i == 0 {
				m.q[m.head] = nil
				m.head++
			} else {
				copy(live[i:], live[i+1:])
				m.q[len(m.q)-1] = nil
				m.q = m.q[:len(m.q)-1]
			}
			return msg, true, i
		}
	}
	return nil, false, len(live)
}

// snapshot returns a copy of the queued messages (for flush() and views).
func (m *mailbox) snapshot() []term.Term {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]term.Term(nil), m.q[m.head:]...)
}

// drain removes every message.
func (m *mailbox) drain() []term.Term {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]term.Term(nil), m.q[m.head:]...)
	clear(m.q)
	m.q, m.head = m.q[:0], 0
	return out
}

// Infinity as a timeout means "wait forever".
const Infinity time.Duration = -1

// receive implements selective receive for the owner goroutine p. A
// receive that finds its message queued costs one lock and no timer. One
// that waits selects on its notify channel and ctx at most (a context
// that can never end, or p's own, adds nothing): a process killed while
// it waits is woken through notify (terminate signals it after marking
// the process dead), and so is one whose timeout expires — the mailbox's
// timer (see recvTimer) signals notify, and the receiver compares the
// clock with its deadline.
func (m *mailbox) receive(ctx context.Context, p *Process, match func(term.Term) bool, timeout time.Duration) (term.Term, error) {
	var deadline time.Duration // on p.rt's clock, set by the first poll that waits (0: none)
	msg, ok, scan, notify := m.poll(p.rt, match, 0, timeout, &deadline)
	if ok {
		return msg, nil
	}
	if timeout == 0 {
		return nil, ErrTimeout
	}
	done := ctx.Done()
	if c, own := ctx.(procContext); own && c.p == p {
		done = nil // the process's death wakes it through notify
	}
	for {
		// Checked after notify exists: a terminate that came before is
		// seen here, one that comes after signals notify.
		if p.Dead() {
			return nil, ErrExited
		}
		if done == nil {
			<-notify
		} else {
			select {
			case <-notify:
			case <-done:
				return nil, ctx.Err()
			}
		}
		msg, ok, scan, _ = m.poll(p.rt, match, scan, timeout, &deadline)
		if ok {
			return msg, nil
		}
		// That look was the last one if the deadline has passed.
		if deadline > 0 && p.rt.clock() >= deadline {
			return nil, ErrTimeout
		}
	}
}

// poll is take under one lock. When nothing matches and the receive
// waits (timeout not 0) it also returns the notify channel, made if need
// be (a message put after this lock signals it), and, for a timeout,
// sets *deadline on rt's clock the first time (a receive that finds its
// message reads no clock) and makes sure the mailbox's timer fires by
// then.
func (m *mailbox) poll(rt *Runtime, match func(term.Term) bool, scan int, timeout time.Duration, deadline *time.Duration) (term.Term, bool, int, chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg, ok, scan := m.takeLocked(match, scan)
	if ok || timeout == 0 {
		return msg, ok, scan, nil
	}
	if m.notify == nil {
		m.notify = make(chan struct{}, 1)
	}
	if timeout > 0 {
		if *deadline == 0 {
			*deadline = rt.clock() + timeout
		}
		m.armLocked(rt, *deadline)
	}
	return nil, false, scan, m.notify
}
