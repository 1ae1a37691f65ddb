package vm

import (
	"context"
	"sync"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// mailbox is an unbounded, ordered message queue with selective receive.
// Messages are appended by any goroutine and taken by the owner only.
type mailbox struct {
	mu     sync.Mutex
	q      []term.Term // q[head:] are the queued messages, oldest first
	head   int
	notify chan struct{} // capacity 1: "something was appended"
}

func (m *mailbox) init() { m.notify = make(chan struct{}, 1) }

// put appends msg and wakes the receiver. It reports the new length.
func (m *mailbox) put(msg term.Term) int {
	m.mu.Lock()
	if m.head > 0 && m.head == len(m.q) {
		clear(m.q) // drop references so queued terms can be collected
		m.q, m.head = m.q[:0], 0
	}
	m.q = append(m.q, msg)
	n := len(m.q) - m.head
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
	return n
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

// receive implements selective receive for the owner goroutine. The
// timer is only made when the receive has to wait: a message already
// queued costs no timer.
func (m *mailbox) receive(ctx context.Context, dead <-chan struct{}, match func(term.Term) bool, timeout time.Duration) (term.Term, error) {
	msg, ok, scan := m.take(match, 0)
	if ok {
		return msg, nil
	}
	if timeout == 0 {
		return nil, ErrTimeout
	}
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	for {
		select {
		case <-m.notify:
		case <-expired:
			// A last look: a message may have arrived with the timer.
			if msg, ok, _ := m.take(match, scan); ok {
				return msg, nil
			}
			return nil, ErrTimeout
		case <-dead:
			return nil, ErrExited
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		msg, ok, examined := m.take(match, scan)
		if ok {
			return msg, nil
		}
		scan = examined
	}
}
