//go:build !windows

package relay

import (
	"errors"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/node/serialdist"
)

// Dir is a direction through the relay.
type Dir int

// The two directions: AtoB carries what the device given first receives
// from its node towards the second.
const (
	AtoB Dir = 0
	BtoA Dir = 1
)

// Rate115200 is the byte rate of a 115200 baud 8N1 line: ten bits per
// byte (start, eight data bits, stop).
const Rate115200 = 115200 / 10

// Options configure a Relay.
type Options struct {
	// Rate limits each direction to this many bytes per second, paced
	// in small chunks like a UART (0: as fast as the ptys go).
	Rate int
	// Plain turns frame recognition off: bytes are forwarded as they
	// come (faults other than Cut are then not available).
	Plain bool
	// StallFlush is how long an incomplete frame candidate is held
	// before its bytes are forwarded as they are (0: 300 ms).
	StallFlush time.Duration
}

// Stats count what crossed the relay in one direction.
type Stats struct {
	Bytes   int64 // forwarded, injected bytes included
	Frames  int   // complete frames recognised (either width)
	Dropped int64 // bytes dropped while the line was cut
}

// Relay is a running relay. Its methods may be called from any goroutine.
type Relay struct {
	files [2]*os.File
	opts  Options
	wg    sync.WaitGroup

	mu       sync.Mutex
	cut      bool
	inject   [2]func() []byte
	injected [2][]byte
	flip     [2]bool
	flipped  [2][]byte
	stats    [2]Stats
}

// Open opens the two devices (pty slaves or serial ports, read and
// written raw) and starts relaying between them.
func Open(pathA, pathB string, opts Options) (*Relay, error) {
	if opts.StallFlush <= 0 {
		opts.StallFlush = 300 * time.Millisecond
	}
	r := &Relay{opts: opts}
	for i, p := range []string{pathA, pathB} {
		f, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			if i == 1 {
				r.files[0].Close()
			}
			return nil, err
		}
		r.files[i] = f
	}
	r.wg.Add(2)
	go r.pump(AtoB)
	go r.pump(BtoA)
	return r, nil
}

// Close stops the relay and closes both devices.
func (r *Relay) Close() error {
	err := errors.Join(r.files[0].Close(), r.files[1].Close())
	r.wg.Wait()
	return err
}

// SetCut cuts the line (every byte in both directions is dropped) or
// restores it.
func (r *Relay) SetCut(on bool) {
	r.mu.Lock()
	r.cut = on
	r.mu.Unlock()
}

// InjectBeforeFrames writes gen's bytes into direction d before every
// frame forwarded that way (nil stops). The bytes are recorded: see
// Injected. gen must not produce a sync marker (AA 55) unless the test
// wants false syncs.
func (r *Relay) InjectBeforeFrames(d Dir, gen func() []byte) {
	r.mu.Lock()
	r.inject[d] = gen
	r.mu.Unlock()
}

// Injected returns a copy of every byte injected into direction d.
func (r *Relay) Injected(d Dir) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.injected[d]...)
}

// FlipNext flips one random bit inside the payload of the next data
// frame (32-bit, non-empty: not a tick) forwarded in direction d.
func (r *Relay) FlipNext(d Dir) {
	r.mu.Lock()
	r.flip[d] = true
	r.flipped[d] = nil
	r.mu.Unlock()
}

// Flipped returns the payload of the frame FlipNext corrupted, as it was
// before, or nil if none has been corrupted yet.
func (r *Relay) Flipped(d Dir) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flipped[d]
}

// Stats returns the counters of direction d.
func (r *Relay) Stats(d Dir) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats[d]
}

// Garbage returns a generator of 1–40 random bytes that never contain
// 0xAA, so never a false sync.
func Garbage(seed uint64) func() []byte {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return func() []byte {
		g := make([]byte, 1+rng.IntN(40))
		for i := range g {
			g[i] = byte(rng.IntN(0xAA))
		}
		return g
	}
}

// ConsoleLines returns a generator of numbered log lines in the style of
// an ESP-IDF boot log ("I (12) relay: console line 12\r\n").
func ConsoleLines(tag string) func() []byte {
	i := 0
	return func() []byte {
		i++
		return []byte("I (" + itoa(i) + ") " + tag + ": console line " + itoa(i) + "\r\n")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// pump forwards direction d until a device fails or is closed.
func (r *Relay) pump(d Dir) {
	defer r.wg.Done()
	src, dst := r.files[d], r.files[1-d]
	rng := rand.New(rand.NewPCG(uint64(d), 42))
	chunk := 16 << 10
	if r.opts.Rate > 0 {
		// About 3 ms of line time per read: the source blocks on a
		// full pty buffer, as a node does on a real UART.
		chunk = max(r.opts.Rate/300, 8)
	}
	buf := make([]byte, chunk)
	var pending []byte
	var lineFree time.Time
	canDeadline := src.SetReadDeadline(time.Time{}) == nil
	for {
		if canDeadline && len(pending) > 0 {
			_ = src.SetReadDeadline(time.Now().Add(r.opts.StallFlush))
		}
		n, err := src.Read(buf)
		if canDeadline && len(pending) > 0 {
			_ = src.SetReadDeadline(time.Time{})
		}
		stalled := errors.Is(err, os.ErrDeadlineExceeded)
		if err != nil && !stalled {
			return
		}
		r.mu.Lock()
		if r.cut {
			r.stats[d].Dropped += int64(n + len(pending))
			pending = pending[:0]
			r.mu.Unlock()
			continue
		}
		var out []byte
		if r.opts.Plain {
			out = append(out, buf[:n]...)
		} else {
			pending = append(pending, buf[:n]...)
			out, pending = r.scan(d, pending, rng, stalled)
		}
		r.stats[d].Bytes += int64(len(out))
		r.mu.Unlock()
		if err := r.send(dst, out, &lineFree); err != nil {
			return
		}
	}
}

// scan classifies pending bytes and returns what to forward now and
// what to hold (r.mu held). Frames are recognised in either width by
// their CRC; an incomplete candidate is held until it completes, or
// forwarded as it is once the input stalled.
func (r *Relay) scan(d Dir, pending []byte, rng *rand.Rand, stalled bool) (out, rest []byte) {
	for len(pending) > 0 {
		t32 := serialdist.NextToken(pending, serialdist.Width32)
		t16 := serialdist.NextToken(pending, serialdist.Width16)
		var frame serialdist.Token
		var width serialdist.Width
		switch {
		case t32.Kind == serialdist.TokFrame:
			frame, width = t32, serialdist.Width32
		case t16.Kind == serialdist.TokFrame:
			frame, width = t16, serialdist.Width16
		case t32.Kind == serialdist.TokNeedMore || t16.Kind == serialdist.TokNeedMore:
			if !stalled {
				return out, pending
			}
			out = append(out, pending...)
			return out, pending[:0]
		case t32.Kind == serialdist.TokText:
			out = append(out, pending[:t32.N]...)
			pending = pending[t32.N:]
			continue
		default: // a marker, a teardown frame, a corrupted frame
			out = append(out, pending[:2]...)
			pending = pending[2:]
			continue
		}
		r.stats[d].Frames++
		if gen := r.inject[d]; gen != nil {
			g := gen()
			out = append(out, g...)
			r.injected[d] = append(r.injected[d], g...)
		}
		start := len(out)
		out = append(out, pending[:frame.N]...)
		if width == serialdist.Width32 && r.flip[d] && len(frame.Payload) > 0 {
			r.flip[d] = false
			r.flipped[d] = append([]byte(nil), frame.Payload...)
			i := start + 6 + rng.IntN(len(frame.Payload))
			out[i] ^= 1 << rng.IntN(8)
		}
		pending = pending[frame.N:]
	}
	return out, pending[:0]
}

// send writes b to dst, paced at the configured rate: each small chunk
// leaves when the line would have finished sending it.
func (r *Relay) send(dst *os.File, b []byte, lineFree *time.Time) error {
	if r.opts.Rate <= 0 {
		for len(b) > 0 {
			n, err := dst.Write(b)
			if err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	}
	step := max(r.opts.Rate/300, 8)
	for len(b) > 0 {
		n := min(step, len(b))
		now := time.Now()
		// An idle line saves up no time; but being late by a timer's
		// overshoot is not idleness (resetting then would lose the
		// overshoot on every chunk and run the line below its rate).
		if lineFree.Before(now.Add(-10 * time.Millisecond)) {
			*lineFree = now
		}
		*lineFree = lineFree.Add(time.Duration(n) * time.Second / time.Duration(r.opts.Rate))
		if d := time.Until(*lineFree); d > 0 {
			time.Sleep(d)
		}
		w, err := dst.Write(b[:n])
		if err != nil {
			return err
		}
		b = b[w:]
	}
	return nil
}
