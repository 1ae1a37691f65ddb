package espflash

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Protocol opcodes (esptool serial-protocol.rst, "Supported by ... ROM
// loader" and "Supported by stub loader only").
const (
	opFlashBegin      = 0x02
	opFlashData       = 0x03
	opFlashEnd        = 0x04
	opMemBegin        = 0x05
	opMemEnd          = 0x06
	opMemData         = 0x07
	opSync            = 0x08
	opWriteReg        = 0x09
	opReadReg         = 0x0A
	opSPISetParams    = 0x0B
	opSPIAttach       = 0x0D
	opChangeBaudrate  = 0x0F
	opFlashDeflBegin  = 0x10
	opFlashDeflData   = 0x11
	opFlashDeflEnd    = 0x12
	opSPIFlashMD5     = 0x13
	opGetSecurityInfo = 0x14
	opEraseRegion     = 0xD1
	opReadFlash       = 0xD2
)

// maxFrame bounds a received SLIP frame: the largest the loader sends
// is a READ_FLASH packet (we ask for 4 KiB).
const maxFrame = 64 << 10

// ErrLinkClosed is returned once the link has failed or been closed.
var ErrLinkClosed = errors.New("serial link closed")

// conn runs the request/response protocol over a Link. One goroutine
// reads and decodes SLIP frames; commands are issued one at a time.
type conn struct {
	link   Link
	frames chan []byte

	mu   sync.Mutex
	err  error  // why the reader stopped
	text []byte // tail of bytes received outside frames
	bad  int    // frames dropped by the decoder
	// boot collects every byte outside frames once capture started (the
	// board's boot log after the reset), up to maxBoot; lastText is
	// when text last arrived.
	boot     []byte
	capture  bool
	lastText time.Time
	written  int64
	closed   bool
	done     chan struct{}
	wmu      sync.Mutex
}

func newConn(l Link) *conn {
	c := &conn{link: l, frames: make(chan []byte, 256), done: make(chan struct{})}
	go c.readLoop()
	return c
}

func (c *conn) readLoop() {
	defer close(c.done)
	dec := NewSLIPDecoder(maxFrame)
	buf := make([]byte, 32<<10)
	for {
		n, err := c.link.Read(buf)
		if n > 0 {
			var out [][]byte
			dec.Feed(buf[:n], func(f []byte) {
				out = append(out, append([]byte(nil), f...))
			}, func(t []byte) {
				c.mu.Lock()
				if c.capture && len(t) > 0 {
					c.boot = append(c.boot, t[:min(len(t), maxBoot-len(c.boot))]...)
					c.lastText = time.Now()
				}
				c.text = append(c.text, t...)
				if len(c.text) > 2048 {
					c.text = append(c.text[:0], c.text[len(c.text)-1024:]...)
				}
				c.mu.Unlock()
			})
			c.mu.Lock()
			c.bad = dec.Bad
			c.mu.Unlock()
			for _, f := range out {
				select {
				case c.frames <- f:
				default:
					// Nobody reads: the oldest unread frame is stale.
					select {
					case <-c.frames:
					default:
					}
					c.frames <- f
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("%w: end of stream (was the board unplugged?)", ErrLinkClosed)
			}
			c.mu.Lock()
			if c.closed {
				err = ErrLinkClosed
			}
			c.err = err
			c.mu.Unlock()
			return
		}
	}
}

// close closes the link and waits for the reader.
func (c *conn) close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	err := c.link.Close()
	<-c.done
	return err
}

// readErr is why the reader stopped (nil while it runs).
func (c *conn) readErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// consoleTail returns printable text received outside frames (the
// board's own messages), for error reports.
func (c *conn) consoleTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return printable(c.text, 200)
}

// maxBoot bounds the boot log kept (Result.Boot).
const maxBoot = 64 << 10

// startCapture starts collecting the text outside frames (the boot log).
func (c *conn) startCapture() {
	c.mu.Lock()
	c.capture, c.boot, c.lastText = true, c.boot[:0], time.Time{}
	c.mu.Unlock()
}

// captured is the text collected since startCapture, and when its last
// byte arrived (zero: none yet).
func (c *conn) captured() ([]byte, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.boot...), c.lastText
}

func (c *conn) clearText() {
	c.mu.Lock()
	c.text = c.text[:0]
	c.mu.Unlock()
}

// flush drops frames already received.
func (c *conn) flush() {
	for {
		select {
		case <-c.frames:
		default:
			return
		}
	}
}

// write sends raw bytes.
func (c *conn) write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for len(b) > 0 {
		n, err := c.link.Write(b)
		c.mu.Lock()
		c.written += int64(n)
		c.mu.Unlock()
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if n == 0 {
			return errors.New("write made no progress")
		}
		b = b[n:]
	}
	return nil
}

// sendFrame SLIP-encodes payload and writes it.
func (c *conn) sendFrame(ctx context.Context, payload []byte) error {
	return c.write(ctx, AppendSLIP(make([]byte, 0, len(payload)+len(payload)/64+4), payload))
}

// request builds a command packet: direction 0, opcode, length, checksum.
func request(op byte, data []byte, chk uint32) []byte {
	pkt := make([]byte, 8+len(data))
	pkt[1] = op
	binary.LittleEndian.PutUint16(pkt[2:], uint16(len(data)))
	binary.LittleEndian.PutUint32(pkt[4:], chk)
	copy(pkt[8:], data)
	return pkt
}

// response is a decoded response packet.
type response struct {
	op    byte
	value uint32
	data  []byte
}

// parseResponse decodes a response frame: direction 1, opcode, u16
// length, u32 value, data. It reports false for anything else.
func parseResponse(f []byte) (response, bool) {
	if len(f) < 8 || f[0] != 1 {
		return response{}, false
	}
	n := int(binary.LittleEndian.Uint16(f[2:]))
	if n > len(f)-8 {
		return response{}, false
	}
	return response{op: f[1], value: binary.LittleEndian.Uint32(f[4:]), data: f[8 : 8+n]}, true
}

// errTimeout is wrapped by errors of commands that got no answer.
var errTimeout = errors.New("no answer")

// nextFrame waits for a frame until the deadline.
func (c *conn) nextFrame(ctx context.Context, timeout time.Duration) ([]byte, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case f := <-c.frames:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		select {
		case f := <-c.frames:
			return f, nil
		default:
		}
		return nil, c.readErr()
	case <-t.C:
		return nil, fmt.Errorf("%w within %v", errTimeout, timeout)
	}
}

// readResponse waits for the response to op, skipping other frames (the
// ROM answers SYNC several times; stale answers may still arrive).
func (c *conn) readResponse(ctx context.Context, op byte, timeout time.Duration) (response, error) {
	deadline := time.Now().Add(timeout)
	for i := 0; i < 100; i++ {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		f, err := c.nextFrame(ctx, left)
		if err != nil {
			return response{}, err
		}
		r, ok := parseResponse(f)
		if ok && r.op == op {
			return r, nil
		}
	}
	return response{}, fmt.Errorf("%w within %v", errTimeout, timeout)
}

// command sends a request and returns its response, checking the status
// bytes, which follow dataLen bytes of command-specific data (the stub
// sends 2 status bytes, ESP32-and-later ROMs 4 of which 2 count).
func (c *conn) command(ctx context.Context, op byte, data []byte, chk uint32, dataLen int, timeout time.Duration) (response, error) {
	c.flush()
	if err := c.sendFrame(ctx, request(op, data, chk)); err != nil {
		return response{}, err
	}
	r, err := c.readResponse(ctx, op, timeout)
	if err != nil {
		return r, err
	}
	if len(r.data) < dataLen+2 {
		return r, fmt.Errorf("short answer: %d bytes of data, want at least %d", len(r.data), dataLen+2)
	}
	if st := r.data[dataLen]; st != 0 {
		return r, &StatusError{Op: op, Status: st, Code: r.data[dataLen+1]}
	}
	return r, nil
}

// StatusError is a failure status reported by the loader.
type StatusError struct {
	Op           byte
	Status, Code byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("the loader refused command 0x%02X: %s (status %d, code 0x%02X)", e.Op, codeText(e.Code), e.Status, e.Code)
}

// codeText explains ROM (0x05–0x0B) and stub (0xC0–0xC9, 0xFF) error
// codes (esptool serial-protocol.rst, "Status bytes").
func codeText(c byte) string {
	switch c {
	case 0x05:
		return "received message is invalid"
	case 0x06:
		return "failed to act on received message"
	case 0x07:
		return "invalid CRC in message"
	case 0x08:
		return "flash write error"
	case 0x09:
		return "flash read error"
	case 0x0A:
		return "flash read length error"
	case 0x0B:
		return "deflate error"
	case 0xC0:
		return "bad data length"
	case 0xC1:
		return "bad data checksum"
	case 0xC2:
		return "bad block size"
	case 0xC3:
		return "invalid command"
	case 0xC4:
		return "SPI operation failed"
	case 0xC5:
		return "SPI unlock failed"
	case 0xC6:
		return "not in flash mode"
	case 0xC7:
		return "inflate error"
	case 0xC8:
		return "not enough data"
	case 0xC9:
		return "too much data"
	case 0xFF:
		return "command not implemented"
	}
	return "unknown error"
}

// printable keeps the last max bytes of b as one line of text.
func printable(b []byte, max int) string {
	if len(b) > max {
		b = b[len(b)-max:]
	}
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c == '\r':
		case c == '\n' || c == '\t':
			out = append(out, ' ')
		case c < 0x20 || c >= 0x7f:
			out = append(out, '.')
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

func le32(vs ...uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

func checksum(data []byte) uint32 {
	s := uint32(0xEF)
	for _, c := range data {
		s ^= uint32(c)
	}
	return s
}
