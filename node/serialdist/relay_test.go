//go:build !windows

package serialdist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/node/carrier"
)

// relay copies bytes between two pty ends (the far ends of two socat
// pairs) and injects faults on command: garbage between frames, a
// flipped bit inside a frame, a cut line.
type relay struct {
	t     testing.TB
	files [2]*os.File
	wg    sync.WaitGroup

	mu        sync.Mutex
	width     Width
	cut       bool
	garbage   bool
	flipNext  bool // in direction 0 (A→B)
	cutInside bool // in direction 0: forward half of the next large frame, then cut
	flipped   []byte
	injected  [2][]byte // garbage sent towards B (0) and A (1)
	frames    [2]int
}

func newRelay(t testing.TB, pathA, pathB string) *relay {
	r := &relay{t: t, width: Width16}
	for i, p := range []string{pathA, pathB} {
		f, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		r.files[i] = f
	}
	r.wg.Add(2)
	go r.pump(0)
	go r.pump(1)
	t.Cleanup(func() {
		r.files[0].Close()
		r.files[1].Close()
		r.wg.Wait()
	})
	return r
}

func (r *relay) set(f func(r *relay)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

// pump forwards direction dir: 0 reads A's end and writes B's.
func (r *relay) pump(dir int) {
	defer r.wg.Done()
	src, dst := r.files[dir], r.files[1-dir]
	rng := rand.New(rand.NewPCG(uint64(dir), 42))
	var pending []byte
	buf := make([]byte, 8192)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.cut {
			pending = pending[:0]
			r.mu.Unlock()
			continue
		}
		pending = append(pending, buf[:n]...)
		var out []byte
		for {
			tok := NextToken(pending, r.width)
			if tok.Kind == TokNeedMore {
				if dir == 0 && r.cutInside && tok.Candidate && tok.Length > 4096 && len(pending) > tok.Length/2 {
					out = append(out, pending[:tok.Length/2]...)
					pending = pending[:0]
					r.cutInside = false
					r.cut = true
				}
				break
			}
			seg := pending[:tok.N]
			if tok.Kind == TokFrame {
				r.frames[dir]++
				if r.garbage {
					g := make([]byte, 1+rng.IntN(40))
					for i := range g {
						g[i] = byte(rng.IntN(0xAA)) // never 0xAA: no false sync
					}
					out = append(out, g...)
					r.injected[dir] = append(r.injected[dir], g...)
				}
				if dir == 0 && r.flipNext && len(tok.Payload) > 0 {
					seg = append([]byte(nil), seg...)
					i := 2 + r.width.lenBytes() + rng.IntN(len(tok.Payload))
					seg[i] ^= 1 << rng.IntN(8)
					r.flipped = append([]byte(nil), tok.Payload...)
					r.flipNext = false
				}
			}
			out = append(out, seg...)
			pending = pending[tok.N:]
		}
		r.mu.Unlock()
		if len(out) > 0 {
			if _, err := dst.Write(out); err != nil {
				return
			}
		}
	}
}

type faultRig struct {
	ta, tb   *Transport
	pa, pb   *Port
	l        *Listener
	r        *relay
	addrB    string
	consoleB <-chan []byte
}

func newFaultRig(t *testing.T) *faultRig {
	a1, a2 := socatPair(t)
	b1, b2 := socatPair(t)
	g := &faultRig{ta: NewTransport(testConfig()), tb: NewTransport(testConfig()), addrB: b1}
	t.Cleanup(func() { g.ta.Close(); g.tb.Close() })
	var err error
	if g.l, err = g.ta.Listen(a1); err != nil {
		t.Fatal(err)
	}
	g.pa = g.l.Ports()[0]
	if g.pb, err = g.tb.Port(Address{Device: b1}); err != nil {
		t.Fatal(err)
	}
	var cancel func()
	g.consoleB, cancel = g.pb.ConsoleChan(4096)
	t.Cleanup(cancel)
	g.r = newRelay(t, a2, b2)
	return g
}

// connect runs a handshake from B (dialer) to A (listener).
func (g *faultRig) connect(t *testing.T) (dialer, acceptor carrier.Conn) {
	t.Helper()
	g.r.set(func(r *relay) { r.width = Width16 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var d, a carrier.Conn
	// The dialer's first data frame only goes out after both sides are
	// in the data phase, so the relay can switch width after the
	// handshake.
	d, a = handshake(t, ctx, func() (carrier.Conn, error) { return g.tb.Dial(ctx, g.addrB) }, g.l)
	g.r.set(func(r *relay) { r.width = Width32 })
	return d, a
}

func packetN(i int) []byte {
	return append([]byte{0x70, 0x83}, bytes.Repeat([]byte(fmt.Sprintf("<%d>", i)), 1+i%50)...)
}

func TestSerialFaultInjection(t *testing.T) {
	g := newFaultRig(t)

	t.Run("garbage and console text between frames", func(t *testing.T) {
		d, a := g.connect(t)
		defer d.Close()
		defer a.Close()
		g.r.set(func(r *relay) { r.garbage = true })
		const n = 60
		for i := range n {
			if err := a.WritePacket(packetN(i)); err != nil {
				t.Fatal(err)
			}
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := d.WritePacket(packetN(1000 + i)); err != nil {
				t.Fatal(err)
			}
			if err := d.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			p, err := readPacket(d, 10*time.Second)
			if err != nil || !bytes.Equal(p, packetN(i)) {
				t.Fatalf("A→B packet %d: %q %v", i, p, err)
			}
			p, err = readPacket(a, 10*time.Second)
			if err != nil || !bytes.Equal(p, packetN(1000+i)) {
				t.Fatalf("B→A packet %d: %q %v", i, p, err)
			}
		}
		g.r.set(func(r *relay) { r.garbage = false })
		// Every garbage byte sent towards B came out of B's console, in
		// order, and nothing else did.
		g.r.mu.Lock()
		want := append([]byte(nil), g.r.injected[0]...)
		g.r.mu.Unlock()
		var got []byte
		deadline := time.After(10 * time.Second)
		for len(got) < len(want) {
			select {
			case b := <-g.consoleB:
				got = append(got, b...)
			case <-deadline:
				t.Fatalf("console of B: %d of %d garbage bytes", len(got), len(want))
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("console of B differs from the injected garbage (%d vs %d bytes)", len(got), len(want))
		}
	})

	t.Run("flipped bit tears both sides down, no corrupt packet delivered", func(t *testing.T) {
		d, a := g.connect(t)
		const n = 40
		for i := range n {
			if i == 20 {
				g.r.set(func(r *relay) { r.flipNext = true })
			}
			if err := a.WritePacket(packetN(i)); err != nil {
				break // A may already be torn down by B's teardown frame
			}
			if err := a.Flush(); err != nil {
				break
			}
		}
		// B (the receiver) delivers an uncorrupted prefix, then fails
		// with a CRC error.
		next := 0
		var err error
		for {
			var p []byte
			p, err = readPacket(d, 10*time.Second)
			if err != nil {
				break
			}
			if !bytes.Equal(p, packetN(next)) {
				t.Fatalf("packet %d delivered as %q", next, p)
			}
			next++
		}
		if !errors.Is(err, ErrCRC) {
			t.Fatalf("receiver: %v", err)
		}
		// The relay flips a bit in whichever frame it forwards next, so
		// exactly the packets before the flipped one were delivered.
		g.r.mu.Lock()
		flipped := g.r.flipped
		g.r.mu.Unlock()
		if !bytes.Equal(flipped, packetN(next)) {
			t.Fatalf("%d packets delivered, but the relay flipped %q", next, flipped)
		}
		// A learns from B's teardown frame.
		if err := drainUntilError(a, 10*time.Second); !errors.Is(err, ErrPeerClosed) {
			t.Fatalf("sender: %v", err)
		}
		d.Close()
		a.Close()
		// A new Dial succeeds.
		d, a = g.connect(t)
		defer d.Close()
		defer a.Close()
		d.WritePacket([]byte("after"))
		d.Flush()
		if p, err := readPacket(a, 10*time.Second); err != nil || string(p) != "after" {
			t.Fatalf("after reconnect: %q %v", p, err)
		}
	})

	t.Run("line cut between frames", func(t *testing.T) {
		d, a := g.connect(t)
		defer d.Close()
		defer a.Close()
		g.r.set(func(r *relay) { r.cut = true })
		time.Sleep(2 * time.Second)
		g.r.set(func(r *relay) { r.cut = false })
		d.WritePacket([]byte("still here"))
		d.Flush()
		if p, err := readPacket(a, 10*time.Second); err != nil || string(p) != "still here" {
			t.Fatalf("after a 2 s cut: %q %v", p, err)
		}
	})

	t.Run("line cut inside a frame", func(t *testing.T) {
		d, a := g.connect(t)
		g.r.set(func(r *relay) { r.cutInside = true })
		big := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
		a.WritePacket(big)
		a.Flush()
		time.Sleep(1500 * time.Millisecond)
		g.r.set(func(r *relay) { r.cut = false })
		// The receiver drops the half frame (stall) and, once the line
		// is back, the sender sees the receiver's idle markers.
		if err := drainUntilError(d, 10*time.Second); !errors.Is(err, ErrStalled) {
			t.Fatalf("receiver: %v", err)
		}
		if err := drainUntilError(a, 10*time.Second); !errors.Is(err, ErrPeerIdle) && !errors.Is(err, ErrPeerClosed) {
			t.Fatalf("sender: %v", err)
		}
		d.Close()
		a.Close()
		d, a = g.connect(t)
		defer d.Close()
		defer a.Close()
		a.WritePacket(big)
		a.Flush()
		if p, err := readPacket(d, 10*time.Second); err != nil || !bytes.Equal(p, big) {
			t.Fatalf("after reconnect: %d bytes, %v", len(p), err)
		}
	})
}
