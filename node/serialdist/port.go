package serialdist

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
)

// Timing of the link state machine. They follow AtomVM (§5.5, §5.7,
// §5.12) and can be overridden per port through PortConfig for tests.
const (
	// IdleMarkerInterval is how often an idle, distribution-enabled port
	// sends a bare sync marker.
	IdleMarkerInterval = 500 * time.Millisecond
	// BurstSpacing was the spacing of a sync burst's markers; a burst
	// (a wake) now sends small chunks every millisecond until the peer
	// echoes (wake.go).
	BurstSpacing = wakeSpacing
)

// PortConfig tunes a Port. The zero value is what AtomVM expects.
type PortConfig struct {
	// Logger receives link events at debug level (nil: discarded).
	Logger *slog.Logger
	// MinBurst is the shortest sync burst (wake) before a Dial's
	// send_name when the peer does not echo it (0: 300 ms; negative: no
	// burst before the first Dial on the port). A burst ends as soon as
	// the peer echoes it (wake.go).
	MinBurst time.Duration
	// MaxWake is how long a Dial's burst goes on while the peer sends
	// markers but does not echo (a deaf AtomVM, §5.12, or an older avmsh)
	// before the send_name goes anyway (0: 2 s).
	MaxWake time.Duration
	// MaxBurst caps the bursts before a send_name is sent again (0: 8 s).
	MaxBurst time.Duration
	// StallTimeout is how long an incomplete handshake-width frame
	// candidate may wait for more bytes before its marker is taken for a
	// false sync and the bytes are released as console text (0: 250 ms).
	StallTimeout time.Duration
	// DataStallTimeout is the same for a data frame; in the data phase a
	// stalled frame tears the link down (0: 3 s).
	DataStallTimeout time.Duration
	// QueueBytes bounds received data packets waiting for ReadPacket
	// before the port stops reading the device (0: 4 MiB).
	QueueBytes int
	// Holder describes the program holding ports a Transport opens, for
	// a borrower's messages (default "avmsh (pid N)").
	Holder string
	// NoLending keeps a Transport's ports from being offered to
	// borrowers (see Offer).
	NoLending bool
}

func (c PortConfig) withDefaults() PortConfig {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MinBurst == 0 {
		c.MinBurst = 300 * time.Millisecond
	}
	if c.MaxBurst == 0 {
		c.MaxBurst = 8 * time.Second
	}
	if c.MaxWake == 0 {
		c.MaxWake = 2 * time.Second
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = 250 * time.Millisecond
	}
	if c.DataStallTimeout == 0 {
		c.DataStallTimeout = 3 * time.Second
	}
	if c.QueueBytes == 0 {
		c.QueueBytes = 4 << 20
	}
	return c
}

// Stats are a port's counters since it opened.
type Stats struct {
	BytesIn, BytesOut int64
	// ConsoleBytes were delivered as console text; ConsoleDropped were
	// lost because a subscriber did not keep up.
	ConsoleBytes, ConsoleDropped int64
	// FramesIn counts valid frames received (any width, any state);
	// FramesOut counts frames sent.
	FramesIn, FramesOut int64
	// Markers counts bare or false sync markers received; BareMarkers
	// those immediately followed by another marker (an idle AtomVM).
	Markers, BareMarkers int64
	// CRCErrors counts frame candidates whose CRC did not match.
	CRCErrors int64
	// StaleFrames counts valid frames received while no link wanted them
	// (idle port, or data frames from a peer that believes it is still
	// connected).
	StaleFrames int64
	// Connections counts links that reached a Conn; Teardowns those that
	// ended.
	Connections, Teardowns int64
	// LastMarker is when the last sync marker arrived (zero if none).
	LastMarker time.Time
	// Wakes counts the sync bursts sent before a send_name; WakeEchoes
	// those the peer echoed (its link manager read them: wake.go).
	// Echoes counts the markers this port sent back to a peer's wake
	// while idle.
	Wakes, WakeEchoes, Echoes int64
}

// linkState is the state of a port's single distribution link.
type linkState uint8

const (
	stateIdle      linkState = iota
	stateDialing             // we are the initiator, handshake phase
	stateAccepting           // we are the responder, handshake phase
	stateData                // data phase
)

// String describes the state for errors and the UI.
func (s linkState) String() string {
	return [...]string{"idle", "initiator handshake", "responder handshake", "data phase"}[s]
}

// Port owns one serial device and its reader goroutine. It separates
// console text from distribution frames and runs the link state machine;
// at most one distribution connection uses a port at a time.
type Port struct {
	name string
	dev  io.ReadWriteCloser
	opts Options
	cfg  PortConfig
	log  *slog.Logger
	// extra is closed after dev (lock file descriptor on Unix).
	extra io.Closer

	wmu sync.Mutex // serialises writes to dev

	mu    sync.Mutex
	space *sync.Cond // the reader waits on it while too much is buffered
	rx    rxBuffer
	// link state, guarded by mu
	state    linkState
	conn     *Conn
	gated    bool // a handshake frame was delivered; wait for the node
	dist     bool // distribution used on this port: send idle markers
	accept   chan *Conn
	lastRx   time.Time
	lastTx   time.Time // last idle marker or frame sent
	teardown time.Time // last teardown (zero: none yet)
	killDue  bool      // a teardown frame must be sent
	// prevMarker is when the last marker arrived while idle; echo asks
	// housekeeping to answer a wake (echoIdle).
	prevMarker time.Time
	echo       chan struct{}
	subs       map[*consoleSub]struct{}
	early      []byte // console text received before the first subscriber
	earlyCap   int    // bound of early when a loan's console text leads it (0: earlyConsole)
	stats      Stats
	closed     bool
	err        error // why the port closed
	done       chan struct{}
	wg         sync.WaitGroup
}

// NewPort runs the port machinery over an already open byte stream (a
// serial device, one end of a pipe, a TCP connection to ser2net). name
// identifies it in errors and in Conn.Info. The port owns dev and closes
// it on Close.
func NewPort(dev io.ReadWriteCloser, name string, cfg PortConfig) *Port {
	return newPort(dev, name, Options{}.normalized(), cfg, nil)
}

func newPort(dev io.ReadWriteCloser, name string, opts Options, cfg PortConfig, extra io.Closer) *Port {
	cfg = cfg.withDefaults()
	p := &Port{
		name:  name,
		dev:   dev,
		opts:  opts,
		cfg:   cfg,
		log:   cfg.Logger.With("port", name),
		extra: extra,
		subs:  make(map[*consoleSub]struct{}),
		done:  make(chan struct{}),
		echo:  make(chan struct{}, 1),
	}
	p.space = sync.NewCond(&p.mu)
	p.wg.Add(2)
	go p.readLoop()
	go p.housekeeping()
	return p
}

// Name is the device the port was opened on.
func (p *Port) Name() string { return p.name }

// Options are the line settings the port was opened with.
func (p *Port) Options() Options { return p.opts }

// Done is closed when the port has closed (Close, or a device error such
// as the board being unplugged).
func (p *Port) Done() <-chan struct{} { return p.done }

// Err tells why the port closed: nil while open, ErrPortClosed after
// Close, or the device error.
func (p *Port) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Stats returns a snapshot of the port's counters.
func (p *Port) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// LinkState describes the port's link for the UI: "idle", "initiator
// handshake", "responder handshake" or "data phase".
func (p *Port) LinkState() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state.String()
}

// ErrPortClosed is the error of operations on a port closed with Close.
var ErrPortClosed = errors.New("serial port closed")

// Close tears down any link (telling the peer with a teardown frame),
// stops the goroutines and closes the device.
func (p *Port) Close() error {
	p.mu.Lock()
	if p.conn != nil && !p.closed {
		p.teardownLocked(p.conn, p.wrap(carrier.ErrClosed), true)
	}
	kill := p.killDue && !p.closed
	p.killDue = false
	p.mu.Unlock()
	if kill && p.wmu.TryLock() {
		_ = p.writeLocked(teardownFrame, time.Now().Add(time.Second), nil)
		p.wmu.Unlock()
	}
	p.shutdown(ErrPortClosed)
	p.wg.Wait()
	return nil
}

// shutdown closes the port because of err (first caller wins).
func (p *Port) shutdown(err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.err = err
	if p.conn != nil {
		p.teardownLocked(p.conn, fmt.Errorf("serial %s: %w", p.name, err), false)
	}
	for s := range p.subs {
		close(s.ch)
		delete(p.subs, s)
	}
	if p.accept != nil {
		p.accept = nil
	}
	p.space.Broadcast()
	close(p.done)
	p.mu.Unlock()
	_ = p.dev.Close()
	if p.extra != nil {
		_ = p.extra.Close()
	}
}

// readLoop is the port's only reader of the device.
func (p *Port) readLoop() {
	defer p.wg.Done()
	if rt, ok := p.dev.(interface{ SetReadTimeout(time.Duration) error }); ok {
		// Bounded reads let the loop notice Close on every platform.
		_ = rt.SetReadTimeout(200 * time.Millisecond)
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := p.dev.Read(buf)
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		if n > 0 {
			now := time.Now()
			p.lastRx = now
			p.stats.BytesIn += int64(n)
			p.rx.feed(buf[:n])
			p.process(now)
			for !p.closed && p.rx.len() > 2*MaxDataFrame+len(buf) {
				p.space.Wait() // the node is not reading: backpressure
			}
		}
		p.mu.Unlock()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.EOF
			}
			p.shutdown(fmt.Errorf("read from %s: %w (was the device unplugged or reset?)", p.name, err))
			return
		}
	}
}

// housekeeping sends idle markers, echoes and teardown frames and
// releases stalled frame candidates.
func (p *Port) housekeeping() {
	defer p.wg.Done()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var lastEcho time.Time
	for {
		select {
		case <-p.done:
			return
		case <-p.echo:
			// A dialling peer's wake while idle: one marker back, so
			// that it sees us read (wake.go).
			if now := time.Now(); now.Sub(lastEcho) >= echoEvery {
				lastEcho = now
				p.mu.Lock()
				ok := p.state == stateIdle && !p.closed
				if ok {
					p.stats.Echoes++
				}
				p.mu.Unlock()
				if ok {
					_ = p.writeRaw(marker, time.Time{})
				}
			}
		case now := <-t.C:
			p.mu.Lock()
			p.checkStall(now)
			kill := p.killDue
			p.killDue = false
			mark := p.dist && p.state == stateIdle && now.Sub(p.lastTx) >= IdleMarkerInterval
			if mark || kill {
				p.lastTx = now
			}
			p.mu.Unlock()
			if kill {
				_ = p.writeRaw(teardownFrame, time.Time{})
			}
			if mark {
				_ = p.writeRaw(marker, time.Time{})
			}
		}
	}
}

// writeRaw writes b to the device, in chunks so that a deadline is
// noticed between them. It reports whether all bytes went out.
func (p *Port) writeRaw(b []byte, deadline time.Time) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.writeLocked(b, deadline, nil)
}

// writeChunk is about 100 ms of line time, within [256 B, 64 KiB].
func (p *Port) writeChunk() int {
	return min(max(p.opts.Baud/100, 256), 64<<10)
}

// writeLocked writes b (p.wmu held). With c set, the write stops early
// once c's link has been torn down.
func (p *Port) writeLocked(b []byte, deadline time.Time, c *Conn) error {
	chunk := p.writeChunk()
	for len(b) > 0 {
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return fmt.Errorf("serial %s: write: %w", p.name, errTimeout)
		}
		p.mu.Lock()
		closed, dead := p.closed, c != nil && c.dead
		perr := p.err
		p.mu.Unlock()
		if closed {
			return fmt.Errorf("serial %s: write: %w", p.name, perr)
		}
		if dead {
			return c.readErr()
		}
		n, err := p.dev.Write(b[:min(len(b), chunk)])
		p.mu.Lock()
		p.stats.BytesOut += int64(n)
		p.mu.Unlock()
		if err != nil {
			p.shutdown(fmt.Errorf("write to %s: %w (was the device unplugged or reset?)", p.name, err))
			return fmt.Errorf("serial %s: write: %w", p.name, err)
		}
		if n == 0 {
			return fmt.Errorf("serial %s: write made no progress", p.name)
		}
		b = b[n:]
	}
	return nil
}

// Write sends raw bytes to the device (keyboard input of a serial
// monitor). Bytes written while a distribution link is up are outside
// frames: the peer's scanner skips them, unless they contain AA 55.
func (p *Port) Write(b []byte) (int, error) {
	if err := p.writeRaw(b, time.Time{}); err != nil {
		return 0, err
	}
	return len(b), nil
}

// SetDTR sets the DTR modem-control line (reset circuits of ESP32
// boards use it; see devices.Reset).
func (p *Port) SetDTR(on bool) error {
	mc, ok := p.dev.(interface{ SetDTR(bool) error })
	if !ok {
		return fmt.Errorf("serial %s: DTR cannot be set on this kind of device", p.name)
	}
	return mc.SetDTR(on)
}

// SetRTS sets the RTS modem-control line.
func (p *Port) SetRTS(on bool) error {
	mc, ok := p.dev.(interface{ SetRTS(bool) error })
	if !ok {
		return fmt.Errorf("serial %s: RTS cannot be set on this kind of device", p.name)
	}
	return mc.SetRTS(on)
}
