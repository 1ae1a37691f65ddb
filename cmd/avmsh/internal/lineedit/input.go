package lineedit

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// pump reads the input on a goroutine of its own and delivers it in
// chunks, so that a read can wait for a key and a context at once, and
// keys typed while no read is active (type-ahead) are kept for the next
// one. stop ends the goroutine.
type pump struct {
	ch   chan []byte
	done chan struct{}
	// read counts the bytes read from the input, counted before they
	// are handed on (Editor.QueueCtrlG places a key by it).
	read atomic.Int64
	wg   sync.WaitGroup
	once sync.Once
	// err is the input's end (io.EOF or a read error); set before ch
	// is closed.
	err error
	// wake interrupts a blocked read (nil when the read cannot be
	// interrupted: the goroutine then ends with the reader).
	wake func()
	// release frees what wake uses, once the goroutine has ended.
	release func()
}

// startReaderPump reads r with plain Read calls. stop cannot interrupt a
// blocked Read: the goroutine ends when r returns an error (close r).
func startReaderPump(r io.Reader) *pump {
	p := &pump{ch: make(chan []byte, 64), done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.ch)
		for {
			buf := make([]byte, 512)
			n, err := r.Read(buf)
			p.read.Add(int64(n))
			if n > 0 && !p.send(buf[:n]) {
				return
			}
			if err != nil {
				p.err = err
				return
			}
		}
	}()
	return p
}

// send hands a chunk to the reader; false once the pump is stopped.
func (p *pump) send(b []byte) bool {
	select {
	case p.ch <- b:
		return true
	case <-p.done:
		return false
	}
}

// stop ends the goroutine (waiting for it when its read can be
// interrupted).
func (p *pump) stop() {
	p.once.Do(func() {
		close(p.done)
		if p.wake != nil {
			p.wake()
			p.wg.Wait()
		}
		if p.release != nil {
			p.release()
		}
	})
}

// end is the input's end error once ch is closed.
func (p *pump) end() error {
	if p.err == nil || errors.Is(p.err, io.ErrClosedPipe) {
		return io.EOF
	}
	return p.err
}
