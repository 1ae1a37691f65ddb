package espsim

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
)

// Config configures a simulated board.
type Config struct {
	// Chip is the chip's name ("ESP32", "ESP32-S3"; default ESP32).
	Chip string
	// FlashSize in bytes (default 4 MiB).
	FlashSize int
	// MAC of the chip (default 24:0a:c4:12:34:56).
	MAC [6]byte
	// Partitions are written at 0x8000 (default: AtomVM's table).
	// NoTable leaves the flash erased there.
	Partitions []espflash.Partition
	NoTable    bool
	// InLoader starts the chip in its ROM loader, as if BOOT had been
	// held during a reset (a pty has no modem lines to get it there).
	InLoader bool
	// Baud is the initial line speed (default 115200).
	Baud int
	// Pace delivers bytes at baud/10 bytes per second each way.
	Pace bool
	// Faults inject failures.
	Faults Faults
	// App, if set, runs when the chip boots its application (after a
	// hard reset or the loader's reboot command), on the serial stream,
	// until ctx ends or it returns. The simulator prints a boot log
	// first.
	App func(ctx context.Context, rw io.ReadWriter)
}

// Faults are failures to inject. The request counts n start at 1 for
// each opcode.
type Faults struct {
	// Response may rewrite the encoded (SLIP) answer to the n-th
	// request of op: corrupt it, drop bytes, or return nil to send
	// nothing.
	Response func(op byte, n int, frame []byte) []byte
	// VanishOp/VanishAt close the stream when the VanishAt-th request
	// of VanishOp arrives (a board unplugged half way).
	VanishOp byte
	VanishAt int
}

// Sim is a simulated board. Its methods are safe for concurrent use.
type Sim struct {
	cfg  Config
	chip espflash.Chip

	mu     sync.Mutex
	flash  []byte
	regs   map[uint32]uint32
	mode   mode
	baud   int
	counts map[byte]int
	events []string
	lines  lineState
	boots  int
	wake   chan struct{} // signalled on mode changes from the lines
	rx, tx lineClock     // pacing
}

type mode int

const (
	modeApp mode = iota
	modeROM
	modeStub
)

// New makes a board. It fails on an unknown chip.
func New(cfg Config) (*Sim, error) {
	if cfg.Chip == "" {
		cfg.Chip = "ESP32"
	}
	chip, ok := espflash.ChipByName(cfg.Chip)
	if !ok {
		return nil, fmt.Errorf("espsim: unknown chip %q", cfg.Chip)
	}
	if cfg.FlashSize == 0 {
		cfg.FlashSize = 4 << 20
	}
	if cfg.MAC == [6]byte{} {
		cfg.MAC = [6]byte{0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56}
	}
	if cfg.Baud == 0 {
		cfg.Baud = 115200
	}
	s := &Sim{cfg: cfg, chip: chip, flash: make([]byte, cfg.FlashSize), regs: map[uint32]uint32{},
		baud: cfg.Baud, counts: map[byte]int{}, wake: make(chan struct{}, 1)}
	for i := range s.flash {
		s.flash[i] = 0xFF
	}
	if !cfg.NoTable {
		ps := cfg.Partitions
		if ps == nil {
			ps = espflash.AtomVMPartitions()
		}
		copy(s.flash[espflash.PartitionTableOffset:], espflash.EncodePartitionTable(ps))
	}
	s.initRegs()
	if cfg.InLoader {
		s.mode = modeROM
	}
	return s, nil
}

// Chip is the simulated chip.
func (s *Sim) Chip() espflash.Chip { return s.chip }

// Flash returns a copy of size bytes of flash at addr.
func (s *Sim) Flash(addr, size int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.flash[addr:addr+size]...)
}

// WriteFlash stores b at addr directly (test setup).
func (s *Sim) WriteFlash(addr int, b []byte) {
	s.mu.Lock()
	copy(s.flash[addr:], b)
	s.mu.Unlock()
}

// FlashMD5 is the MD5 of size bytes at addr.
func (s *Sim) FlashMD5(addr, size int) [16]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return md5.Sum(s.flash[addr : addr+size])
}

// Count is the number of requests of op received so far.
func (s *Sim) Count(op byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Events lists what happened to the chip ("reset into loader", "boot
// app", "stub running", "baud 921600"), in order.
func (s *Sim) Events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.events...)
}

// InLoader reports whether the chip runs its ROM loader or the stub.
func (s *Sim) InLoader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode != modeApp
}

// Baud is the chip's current line speed.
func (s *Sim) Baud() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baud
}

func (s *Sim) event(e string) { // s.mu held
	s.events = append(s.events, e)
}

// setMode changes what runs (s.mu held) and wakes the serve loop.
func (s *Sim) setMode(m mode, why string) {
	s.mode = m
	s.event(why)
	if m == modeApp {
		s.boots++
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// errVanish ends Serve as if the board had been unplugged.
var errVanish = errors.New("espsim: the board vanished")

// Serve runs the board on a byte stream until ctx ends, the stream
// fails, or a fault makes the board vanish (then rw is closed if it is
// an io.Closer). It returns nil when ctx ended.
func (s *Sim) Serve(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &pacedWriter{s: s, w: rw}
	in := make(chan []byte, 64)
	rerr := make(chan error, 1)
	go func() {
		defer close(in)
		buf := make([]byte, 4096)
		for {
			asked := time.Now()
			n, err := rw.Read(buf)
			if n > 0 {
				b := append([]byte(nil), buf[:n]...)
				s.paceRx(ctx, len(b), time.Since(asked) < time.Millisecond)
				select {
				case in <- b:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				rerr <- err
				return
			}
		}
	}()
	p := &proto{s: s, w: w, in: in, dec: espflash.NewSLIPDecoder(64 << 10)}
	err := p.run(ctx)
	if errors.Is(err, errVanish) {
		if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	select {
	case e := <-rerr:
		return e
	default:
	}
	return err
}

// lineClock models one direction of a UART: bytes take 10/baud s each
// and follow one another; an idle line earns no credit. until returns
// when n more bytes, handed over now, have gone through.
type lineClock struct {
	mu   sync.Mutex
	busy time.Time // when the line is free again
}

func (c *lineClock) until(n, baud int, queued bool) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Bytes that were already waiting follow the previous ones on the
	// line (the reader was late, not the line idle).
	if now := time.Now(); c.busy.Before(now) && !queued {
		c.busy = now
	}
	c.busy = c.busy.Add(time.Duration(float64(n) * 10 / float64(baud) * float64(time.Second)))
	return c.busy
}

func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}

// paceRx waits until n bytes just read would have arrived on the line.
func (s *Sim) paceRx(ctx context.Context, n int, queued bool) {
	if s.cfg.Pace {
		sleepUntil(ctx, s.rx.until(n, s.Baud(), queued))
	}
}

// pacedWriter writes at the line rate when pacing is on.
type pacedWriter struct {
	s  *Sim
	w  io.Writer
	mu sync.Mutex
}

func (p *pacedWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s.cfg.Pace {
		sleepUntil(context.Background(), p.s.tx.until(len(b), p.s.Baud(), false))
	}
	return p.w.Write(b)
}
