package serialnode

import (
	"bytes"
	"io"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node/serialdist"
)

// partialFlush is how long an incomplete console line (a prompt, a
// progress dot) waits for its end before it is printed anyway.
const partialFlush = 200 * time.Millisecond

// CopyConsole prints p's console text (every byte outside distribution
// frames) to w from a goroutine of its own, each line starting with
// prefix, until stop is called or the port closes. Bytes are copied
// unchanged; a line still incomplete after 200 ms is printed as it is and
// continued without a new prefix. stop prints what is pending and waits,
// so w is not used after it returns. Give ports that share w a writer
// made by SyncWriter.
func CopyConsole(p *serialdist.Port, w io.Writer, prefix string) (stop func()) {
	ch, cancel := p.ConsoleChan(0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lw := &lineWriter{w: w, prefix: []byte(prefix), atStart: true}
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		defer timer.Stop()
		for {
			select {
			case b, ok := <-ch:
				if !ok {
					lw.flush()
					return
				}
				lw.write(b)
				if len(lw.partial) > 0 {
					timer.Reset(partialFlush)
				}
			case <-timer.C:
				lw.flush()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

// lineWriter adds a prefix at the start of every line and writes whole
// lines in one Write each.
type lineWriter struct {
	w       io.Writer
	prefix  []byte
	partial []byte
	atStart bool // the next byte written starts a line
	out     []byte
}

func (l *lineWriter) write(b []byte) {
	l.out = l.out[:0]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.partial = append(l.partial, b...)
			break
		}
		l.out = l.line(l.out, b[:i+1])
		b = b[i+1:]
	}
	if len(l.out) > 0 {
		_, _ = l.w.Write(l.out)
	}
	if len(l.partial) >= maxPartial {
		l.flush() // a stream without newlines: do not hold it all
	}
}

// maxPartial bounds an incomplete line held back.
const maxPartial = 4096

// line appends one complete line (with what is pending before it).
func (l *lineWriter) line(dst, text []byte) []byte {
	if l.atStart {
		dst = append(dst, l.prefix...)
	}
	dst = append(dst, l.partial...)
	dst = append(dst, text...)
	l.partial = l.partial[:0]
	l.atStart = true
	return dst
}

// flush prints an incomplete line as it is.
func (l *lineWriter) flush() {
	if len(l.partial) == 0 {
		return
	}
	var out []byte
	if l.atStart {
		out = append(out, l.prefix...)
	}
	out = append(out, l.partial...)
	l.partial = l.partial[:0]
	l.atStart = false
	_, _ = l.w.Write(out)
}

// SyncWriter makes w safe for concurrent use: each Write holds a lock.
func SyncWriter(w io.Writer) io.Writer { return &syncWriter{w: w} }

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// FollowConsole prints the console text of ports, as CopyConsole does,
// and keeps printing it across loans: when t gives a device back after a
// flasher borrowed it (serialdist.Transport.OnReopen), the reopened
// port's console is printed too, starting with what the borrower read of
// the board while it held the device (its boot log after a reset). One
// prefix per device, from prefix. stop ends every copy and waits for
// them, so w is not used after it returns.
func FollowConsole(t *serialdist.Transport, ports []*serialdist.Port, w io.Writer, prefix func(device string) string) (stop func()) {
	f := &follower{w: w, prefix: prefix, follow: map[string]bool{}, stops: map[*serialdist.Port]func(){}}
	for _, p := range ports {
		f.follow[p.Name()] = true
		f.copy(p)
	}
	var unhook func()
	if t != nil {
		unhook = t.OnReopen(func(p *serialdist.Port) {
			f.mu.Lock()
			if !f.follow[p.Name()] || f.stopped {
				f.mu.Unlock()
				return
			}
			f.inflight.Add(1)
			f.mu.Unlock()
			defer f.inflight.Done()
			f.copy(p)
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if unhook != nil {
				unhook()
			}
			f.mu.Lock()
			f.stopped = true
			f.mu.Unlock()
			f.inflight.Wait() // a reopen being followed right now
			f.mu.Lock()
			stops := f.stops
			f.stops = nil
			f.mu.Unlock()
			for _, s := range stops {
				s()
			}
		})
	}
}

// follower is FollowConsole's state.
type follower struct {
	w      io.Writer
	prefix func(string) string

	mu       sync.Mutex
	follow   map[string]bool // devices followed
	stops    map[*serialdist.Port]func()
	stopped  bool
	inflight sync.WaitGroup // OnReopen hooks running
}

// copy starts the copy of p's console, ending the copy of the port it
// replaces (closed by the loan: its copy has ended already).
func (f *follower) copy(p *serialdist.Port) {
	stop := CopyConsole(p, f.w, f.prefix(p.Name()))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stops == nil { // stopped
		stop()
		return
	}
	for old, s := range f.stops {
		if old.Name() == p.Name() {
			delete(f.stops, old)
			s() // its port was closed for the loan: the copy has ended
		}
	}
	f.stops[p] = stop
}
