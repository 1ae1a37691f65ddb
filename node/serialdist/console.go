package serialdist

import (
	"io"
	"sync"
)

// earlyConsole bounds the console text kept while a port has no
// subscriber yet.
const earlyConsole = 4096

// consoleSub is one subscriber to a port's console text.
type consoleSub struct {
	ch chan []byte
}

// ConsoleChan subscribes to the port's console text: every byte received
// outside distribution frames (and that is not a sync marker), in order,
// in chunks as they arrive. buffer is the number of chunks that may wait
// (0: 256); when the subscriber falls further behind, chunks are dropped
// and counted in Stats.ConsoleDropped rather than stalling distribution.
// The channel is closed by cancel or when the port closes.
func (p *Port) ConsoleChan(buffer int) (<-chan []byte, func()) {
	if buffer <= 0 {
		buffer = 256
	}
	s := &consoleSub{ch: make(chan []byte, buffer)}
	p.mu.Lock()
	if p.closed {
		close(s.ch)
	} else {
		if len(p.subs) == 0 && len(p.early) > 0 {
			s.ch <- p.early // the text that came before anyone listened
			p.early, p.earlyCap = nil, 0
		}
		p.subs[s] = struct{}{}
	}
	p.mu.Unlock()
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			p.mu.Lock()
			if _, ok := p.subs[s]; ok {
				delete(p.subs, s)
				close(s.ch)
			}
			p.mu.Unlock()
		})
	}
	return s.ch, cancel
}

// ConsoleTo copies the port's console text to w from a goroutine of its
// own until stop is called or the port closes. stop waits for the
// goroutine, so w is not used after stop returns. A write error of w
// ends the copy.
func (p *Port) ConsoleTo(w io.Writer) (stop func()) {
	ch, cancel := p.ConsoleChan(0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range ch {
			if _, err := w.Write(b); err != nil {
				cancel()
				for range ch {
				}
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// PrefaceConsole puts text before the console text read so far: the
// board's text that someone else read from the device before this port
// opened it (a borrower's Loan.ReturnConsole, a flasher's boot log), so
// that the first subscriber sees the console in order. With subscribers
// already, it is delivered to them as it is.
func (p *Port) PrefaceConsole(text []byte) {
	if len(text) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if len(p.subs) > 0 {
		p.emitConsole(text)
		return
	}
	p.early = append(append(make([]byte, 0, len(text)+len(p.early)), text...), p.early...)
	p.earlyCap = len(text) + earlyConsole
}

// emitConsole hands text to the subscribers (p.mu held). It never blocks.
func (p *Port) emitConsole(text []byte) {
	if len(text) == 0 {
		return
	}
	p.stats.ConsoleBytes += int64(len(text))
	if len(p.subs) == 0 {
		// Nobody listens yet (a port is read from the moment it
		// opens): keep the latest text for the first subscriber.
		p.early = append(p.early, text...)
		if limit := max(p.earlyCap, earlyConsole); len(p.early) > limit {
			p.early = append(p.early[:0], p.early[len(p.early)-limit:]...)
		}
		return
	}
	cp := append([]byte(nil), text...)
	for s := range p.subs {
		select {
		case s.ch <- cp:
		default:
			p.stats.ConsoleDropped += int64(len(cp))
		}
	}
}
