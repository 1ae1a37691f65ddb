package serialdist

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// newBarePort is a Port without goroutines or device, for driving the
// demultiplexer and link state machine directly.
func newBarePort() *Port {
	p := &Port{name: "fuzz", cfg: PortConfig{}.withDefaults(), subs: map[*consoleSub]struct{}{}, done: make(chan struct{}), opts: Options{}.normalized()}
	p.log = p.cfg.Logger
	p.space = sync.NewCond(&p.mu)
	return p
}

// FuzzDemux feeds arbitrary bytes, in arbitrary chunks, to a port that
// listens, accepts a connection when one starts, moves it to the data
// phase and reads what it gets. It checks that nothing panics, that
// console text is made only of received bytes in order, and that what
// the port holds stays bounded by what it received.
func FuzzDemux(f *testing.F) {
	f.Add(append(append([]byte("boot\r\n"), preamble...), AppendFrame16(nil, sendName("avm@serial.local"))...), uint8(7), true)
	f.Add(append(AppendFrame16(nil, []byte("Nxx")), append(Tick, AppendFrame32(nil, []byte{0x70, 0x83})...)...), uint8(3), true)
	f.Add(append([]byte{0xAA, 0x55, 0x1b, '[', '0', 'm'}, teardownFrame...), uint8(1), false)
	f.Add(append(AppendFrame16(nil, []byte("N")), 0xAA, 0x55, 0xAA, 0x55, 0, 0, 0, 0), uint8(2), true)
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8, startData bool) {
		p := newBarePort()
		ch := make(chan *Conn, 1)
		p.accept = ch
		p.dist = true
		sub := &consoleSub{ch: make(chan []byte, 4096)}
		p.subs[sub] = struct{}{}
		step := int(chunk)%16 + 1
		now := time.Unix(1000, 0)
		for off := 0; off < len(in); off += step {
			part := in[off:min(off+step, len(in))]
			p.mu.Lock()
			p.rx.feed(part)
			p.lastRx = now
			p.process(now)
			p.mu.Unlock()
			select {
			case c := <-ch:
				// Read the queued send_name, then go to the data phase.
				p.mu.Lock()
				if len(c.hsq) == 0 || c.hsq[0][0] != 'N' {
					t.Fatalf("accepted a connection without a send_name")
				}
				c.hsq = nil
				p.mu.Unlock()
				if startData {
					_ = c.StartData()
				} else {
					c.Close()
				}
			default:
			}
			now = now.Add(time.Second) // let stalled candidates go
			p.mu.Lock()
			p.checkStall(now)
			if p.rx.len() > len(in) {
				t.Fatalf("holding %d bytes of %d received", p.rx.len(), len(in))
			}
			p.mu.Unlock()
		}
		close(sub.ch)
		var console []byte
		for b := range sub.ch {
			// A marker split by a stall may be text; within one chunk
			// of text there is never one.
			if bytes.Contains(b, marker) {
				t.Fatalf("console chunk %q contains a sync marker", b)
			}
			console = append(console, b...)
		}
		if !isSubsequence(console, in) {
			t.Fatalf("console text is not made of the input bytes in order")
		}
	})
}

// isSubsequence reports whether a's bytes appear in b in order.
func isSubsequence(a, b []byte) bool {
	i := 0
	for _, c := range b {
		if i < len(a) && a[i] == c {
			i++
		}
	}
	return i == len(a)
}

// newPipePorts joins two Ports with an in-memory pipe.
func newPipePorts(t *testing.T) (*Port, *Port) {
	x, y := net.Pipe()
	a := NewPort(x, "mem/a", PortConfig{MinBurst: -1})
	b := NewPort(y, "mem/b", PortConfig{MinBurst: -1})
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}
