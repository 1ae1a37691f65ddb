package serialdist

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
)

var errDeadline = os.ErrDeadlineExceeded

// Conn is one distribution connection over a serial port. It implements
// carrier.Conn: handshake messages travel as 16-bit frames, data packets
// as 32-bit frames, and an empty data packet is a tick. One goroutine may
// read and one may write at the same time; Close may be called from any.
type Conn struct {
	p         *Port
	initiator bool

	// Guarded by p.mu.
	hsq         [][]byte // handshake frames not read yet
	pq          [][]byte // data packets not read yet
	pqBytes     int
	data        bool // StartData was called
	dead        bool
	yielded     bool // dead after a lost simultaneous connect; reads wait for the deadline
	rerr        error
	engaged     bool // something of the handshake went on the wire
	sendName    []byte
	sentAt      time.Time
	gotFrame    bool
	gotStatus   bool
	idleMarkers int
	readDL      time.Time
	// A wake in progress (wake.go): the peer's markers since it began.
	waking    bool
	wakeSeen  int
	wakeMarks []time.Time
	echoed    chan struct{} // closed at the echo

	notify   chan struct{} // wakes a blocked reader
	done     chan struct{} // closed at teardown
	progress chan struct{} // closed when the first handshake frame arrives
	resync   chan bool     // dial supervisor requests (true: collision)

	// Writer side.
	wbuf    []byte
	wframes int
	writeDL atomic.Int64 // unix nanos; 0 = none
	closeMu sync.Once
}

var _ carrier.Conn = (*Conn)(nil)

func newConn(p *Port, initiator bool) *Conn {
	return &Conn{
		p:         p,
		initiator: initiator,
		notify:    make(chan struct{}, 1),
		done:      make(chan struct{}),
		progress:  make(chan struct{}),
		resync:    make(chan bool, 1),
	}
}

// signal wakes a blocked reader (p.mu held or not).
func (c *Conn) signal() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *Conn) requestResync(collision bool) {
	select {
	case c.resync <- collision:
	default:
	}
}

// readErr is the error that ended the link.
func (c *Conn) readErr() error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.rerr != nil {
		return c.rerr
	}
	return carrier.ErrClosed
}

// wait blocks until something changes or the read deadline passes
// (p.mu held on entry and on return).
func (c *Conn) wait(what string) error {
	dl := c.readDL
	c.p.mu.Unlock()
	var timer <-chan time.Time
	if !dl.IsZero() {
		d := time.Until(dl)
		if d <= 0 {
			c.p.mu.Lock()
			return fmt.Errorf("serial %s: read %s: %w", c.p.name, what, errTimeout)
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-c.notify:
	case <-timer:
	}
	c.p.mu.Lock()
	return nil
}

// ReadHandshake implements carrier.Conn: the payload of the next 16-bit
// frame. Frames that fail their CRC are never returned.
func (c *Conn) ReadHandshake() ([]byte, error) {
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.data {
		return nil, fmt.Errorf("serial %s: handshake read after StartData", p.name)
	}
	for {
		if len(c.hsq) > 0 {
			m := c.hsq[0]
			c.hsq = c.hsq[1:]
			return m, nil
		}
		if c.dead && (!c.yielded || c.readDL.IsZero()) {
			return nil, c.rerr
		}
		if p.gated && p.conn == c {
			// The node wants the next handshake message: scan on.
			p.gated = false
			p.process(time.Now())
			continue
		}
		if !c.readDL.IsZero() && !time.Now().Before(c.readDL) {
			if c.dead {
				return nil, c.rerr // yielded: the deadline has come
			}
			return nil, fmt.Errorf("serial %s: read handshake message: %w", p.name, errTimeout)
		}
		if err := c.wait("handshake message"); err != nil {
			return nil, err
		}
	}
}

// WriteHandshake implements carrier.Conn: msg goes out as one 16-bit
// frame. On an outgoing connection the first message (send_name) is
// remembered so that it can be sent again (see Port.Dial).
func (c *Conn) WriteHandshake(msg []byte) error {
	p := c.p
	if len(msg) > MaxHandshakeFrame {
		return fmt.Errorf("serial %s: handshake message of %d bytes exceeds the %d-byte frame limit", p.name, len(msg), MaxHandshakeFrame)
	}
	p.mu.Lock()
	if c.dead {
		p.mu.Unlock()
		return c.rerr
	}
	if c.data {
		p.mu.Unlock()
		return fmt.Errorf("serial %s: handshake write after StartData", p.name)
	}
	c.engaged = true
	if c.initiator && c.sendName == nil {
		c.sendName = append([]byte(nil), msg...)
		c.sentAt = time.Now()
	}
	p.mu.Unlock()
	return c.writeFrames(AppendFrame16(nil, msg), 1)
}

// StartData implements carrier.Conn: both directions switch to 32-bit
// frames. Bytes that arrived after the last handshake frame are scanned
// as data frames.
func (c *Conn) StartData() error {
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.dead {
		return c.rerr
	}
	if c.data {
		return nil
	}
	c.data = true
	c.hsq = nil
	if p.conn == c {
		p.state = stateData
		p.gated = false
		p.process(time.Now())
	}
	return nil
}

// ReadPacket implements carrier.Conn. An empty packet is a tick.
func (c *Conn) ReadPacket() ([]byte, error) {
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !c.data {
		return nil, fmt.Errorf("serial %s: packet read before StartData", p.name)
	}
	for {
		if len(c.pq) > 0 {
			m := c.pq[0]
			c.pq[0] = nil
			c.pq = c.pq[1:]
			full := c.pqBytes >= p.cfg.QueueBytes
			c.pqBytes -= len(m) + 64
			if full && p.conn == c {
				p.process(time.Now())
			}
			return m, nil
		}
		if c.dead {
			return nil, c.rerr
		}
		if !c.readDL.IsZero() && !time.Now().Before(c.readDL) {
			return nil, fmt.Errorf("serial %s: read packet: %w", p.name, errTimeout)
		}
		if err := c.wait("packet"); err != nil {
			return nil, err
		}
	}
}

// WritePacket implements carrier.Conn.
func (c *Conn) WritePacket(b []byte) error { return c.WritePacketParts(b) }

// WritePacketParts implements carrier.Conn. A packet larger than
// MaxDataFrame fails with carrier.ErrPacketTooLarge: serial has no
// fragmentation.
func (c *Conn) WritePacketParts(parts ...[]byte) error {
	total := 0
	for _, b := range parts {
		total += len(b)
	}
	if total > MaxDataFrame {
		return fmt.Errorf("serial %s: %w: a packet of %d bytes exceeds the %d-byte (1 MiB) serial frame limit; serial links cannot fragment, send smaller messages", c.p.name, carrier.ErrPacketTooLarge, total, MaxDataFrame)
	}
	c.wbuf = AppendFrameParts(c.wbuf, Width32, parts...)
	c.wframes++
	if len(c.wbuf) >= 64<<10 {
		return c.Flush()
	}
	return nil
}

// Flush implements carrier.Conn.
func (c *Conn) Flush() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	b, n := c.wbuf, c.wframes
	c.wbuf, c.wframes = c.wbuf[:0], 0
	if cap(c.wbuf) > 1<<20 {
		c.wbuf = nil
	}
	return c.writeFrames(b, n)
}

// writeFrames writes whole frames for this connection, unless it has been
// torn down. A write cut short by the deadline leaves a partial frame on
// the wire, so the link is torn down.
func (c *Conn) writeFrames(b []byte, frames int) error {
	p := c.p
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.mu.Lock()
	if c.dead {
		err := c.rerr
		p.mu.Unlock()
		return err
	}
	p.lastTx = time.Now()
	p.mu.Unlock()
	err := p.writeLocked(b, c.writeDeadline(), c)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.teardownLocked(c, err, true)
		p.process(time.Now())
		return err
	}
	p.stats.FramesOut += int64(frames)
	return nil
}

// writeRaw writes link-control bytes (markers, teardown frames) for this
// connection while it is alive.
func (c *Conn) writeRaw(b []byte) error {
	p := c.p
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.mu.Lock()
	if c.dead {
		p.mu.Unlock()
		return c.readErr()
	}
	p.mu.Unlock()
	return p.writeLocked(b, time.Time{}, c)
}

func (c *Conn) writeDeadline() time.Time {
	if n := c.writeDL.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// MaxPacket implements carrier.Conn: 1 MiB.
func (c *Conn) MaxPacket() int { return MaxDataFrame }

// SetReadDeadline implements carrier.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.p.mu.Lock()
	c.readDL = t
	c.p.mu.Unlock()
	c.signal()
	return nil
}

// SetWriteDeadline implements carrier.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() {
		c.writeDL.Store(0)
	} else {
		c.writeDL.Store(t.UnixNano())
	}
	return nil
}

// Info implements carrier.Conn.
func (c *Conn) Info() carrier.Info {
	return carrier.Info{Transport: "serial", Local: c.p.name, Remote: c.p.name}
}

// Initiator reports whether we opened this connection.
func (c *Conn) Initiator() bool { return c.initiator }

// Port returns the port the connection runs on.
func (c *Conn) Port() *Port { return c.p }

// Done is closed when the link has ended (Close, a CRC error, the peer
// going idle, the device failing).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Close implements carrier.Conn. The port returns to idle at once; if
// the link was in use, a teardown frame follows (within ~50 ms, or when
// the port closes) so that the peer drops the link at once instead of
// after its tick timeout. A write in progress stops at its next chunk.
func (c *Conn) Close() error {
	c.closeMu.Do(func() {
		p := c.p
		p.mu.Lock()
		if c.dead {
			if c.yielded { // wake a read waiting for its deadline
				c.yielded = false
				c.signal()
			}
			p.mu.Unlock()
			return
		}
		p.teardownLocked(c, fmt.Errorf("serial %s: %w", p.name, carrier.ErrClosed), true)
		p.process(time.Now()) // bytes held for this link are scanned as idle input
		p.mu.Unlock()
	})
	return nil
}
