package vm

import "github.com/avmsh/avmsh/vm/term"

// A Batch defers waking the receivers of messages delivered with
// DeliverBatched until Wake: a connection's reader that decodes a run of
// messages already in its buffer wakes each receiver once for the run,
// not once per message (every wake-up of a parked goroutine costs the
// scheduler a hand-off). The messages are in the mailboxes at once, in
// order; only the wake-ups wait. A Batch is used by one goroutine.
type Batch struct {
	procs []*Process
}

// Len is the number of receivers waiting for Wake.
func (b *Batch) Len() int { return len(b.procs) }

// DeliverBatched puts msg in the mailbox of a local pid, like
// DeliverMessage, leaving the receiver's wake-up to b.Wake. It reports
// whether the process exists.
func (rt *Runtime) DeliverBatched(to term.Pid, msg term.Term, b *Batch) bool {
	p, ok := rt.Lookup(to)
	if ok && p.mb.putQuiet(msg) {
		b.procs = append(b.procs, p)
	}
	return ok
}

// Wake wakes every receiver of the messages delivered since the last
// Wake (and starts the handler of an idle SpawnHandler process).
func (b *Batch) Wake() {
	for i, p := range b.procs {
		if p.mb.wakeBatched() {
			p.startHandler()
		}
		b.procs[i] = nil
	}
	b.procs = b.procs[:0]
}

// putQuiet appends msg without waking anyone; it reports true when the
// owner may need a wake-up that is not already promised (the caller then
// calls wakeBatched later).
func (m *mailbox) putQuiet(msg term.Term) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appendLocked(msg)
	if m.batched || (m.notify == nil && !(m.driven && !m.running)) {
		return false // already promised, or no one can be waiting
	}
	m.batched = true
	return true
}

// wakeBatched does the wake-up putQuiet promised: a signal to a waiting
// receiver, or (reported true) the start of an idle handler.
func (m *mailbox) wakeBatched() (start bool) {
	m.mu.Lock()
	m.batched = false
	return m.wakeUnlock(m.head < len(m.q))
}
