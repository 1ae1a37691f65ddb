package carrier

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// DefaultMaxPacket bounds an incoming data packet on stream carriers
// (TCP/TLS) unless configured otherwise. Large messages from BEAM arrive
// in fragments when FRAGMENTS is negotiated, so this only limits a single
// unfragmented packet.
const DefaultMaxPacket = 256 << 20

// maxHandshake bounds a handshake message: a name is at most 255 bytes
// plus a few fixed fields, so 64 KiB (the 16-bit length limit) is ample.
const maxHandshake = 1<<16 - 1

// StreamConn is a Conn over a byte stream (TCP or TLS). Data packets have
// a 4-byte length prefix (erl_dist_protocol, "Protocol between connected
// nodes"). Handshake messages have a 2-byte prefix over TCP, but a 4-byte
// one over TLS: OTP's inet_tls_dist runs the whole connection with
// {packet, 4}.
type StreamConn struct {
	c         net.Conn
	r         *bufio.Reader
	w         *bufio.Writer
	buf       []byte
	maxIn     int
	transport string
	data      atomic.Bool
	hsLen4    bool
	hdr       [4]byte
}

// NewStreamConn wraps c. maxIn bounds incoming data packets (0 means
// DefaultMaxPacket).
func NewStreamConn(c net.Conn, transport string, maxIn int) *StreamConn {
	if maxIn <= 0 {
		maxIn = DefaultMaxPacket
	}
	return &StreamConn{
		c:         c,
		r:         bufio.NewReaderSize(c, 64<<10),
		w:         bufio.NewWriterSize(c, 64<<10),
		maxIn:     maxIn,
		transport: transport,
		hsLen4:    transport == "tls",
	}
}

// ReadHandshake implements Conn.
func (s *StreamConn) ReadHandshake() ([]byte, error) {
	if s.hsLen4 {
		if _, err := io.ReadFull(s.r, s.hdr[:]); err != nil {
			return nil, s.readErr("handshake length", err)
		}
		n := binary.BigEndian.Uint32(s.hdr[:])
		if n > maxHandshake {
			return nil, fmt.Errorf("%s %s: handshake message of %d bytes exceeds %d", s.transport, s.c.RemoteAddr(), n, maxHandshake)
		}
		return s.readBody(int(n), "handshake message")
	}
	var hdr [2]byte
	if _, err := io.ReadFull(s.r, hdr[:]); err != nil {
		return nil, s.readErr("handshake length", err)
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	return s.readBody(n, "handshake message")
}

// WriteHandshake implements Conn.
func (s *StreamConn) WriteHandshake(msg []byte) error {
	if len(msg) > maxHandshake {
		return fmt.Errorf("%s %s: handshake message of %d bytes exceeds 65535", s.transport, s.c.RemoteAddr(), len(msg))
	}
	var hdr [4]byte
	if s.hsLen4 {
		binary.BigEndian.PutUint32(hdr[:], uint32(len(msg)))
	} else {
		binary.BigEndian.PutUint16(hdr[:2], uint16(len(msg)))
	}
	width := 2
	if s.hsLen4 {
		width = 4
	}
	if _, err := s.w.Write(hdr[:width]); err != nil {
		return err
	}
	if _, err := s.w.Write(msg); err != nil {
		return err
	}
	return s.w.Flush()
}

// StartData implements Conn.
func (s *StreamConn) StartData() error {
	s.data.Store(true)
	return nil
}

// ReadPacket implements Conn.
func (s *StreamConn) ReadPacket() ([]byte, error) {
	if _, err := io.ReadFull(s.r, s.hdr[:]); err != nil {
		return nil, s.readErr("packet length", err)
	}
	n := binary.BigEndian.Uint32(s.hdr[:])
	if uint64(n) > uint64(s.maxIn) {
		return nil, fmt.Errorf("%s %s: incoming packet of %d bytes exceeds the %d-byte limit", s.transport, s.c.RemoteAddr(), n, s.maxIn)
	}
	return s.readBody(int(n), "packet")
}

// readBody reads n bytes into the reusable buffer, growing it only as
// data actually arrives so a lying length cannot make us allocate it all.
func (s *StreamConn) readBody(n int, what string) ([]byte, error) {
	if n == 0 {
		return s.buf[:0], nil
	}
	const chunk = 1 << 20
	if cap(s.buf) >= n {
		s.buf = s.buf[:n]
		if _, err := io.ReadFull(s.r, s.buf); err != nil {
			return nil, s.readErr(what, err)
		}
		return s.buf, nil
	}
	s.buf = s.buf[:0]
	for len(s.buf) < n {
		step := min(n-len(s.buf), chunk)
		start := len(s.buf)
		s.buf = append(s.buf, make([]byte, step)...)
		if _, err := io.ReadFull(s.r, s.buf[start:]); err != nil {
			return nil, s.readErr(what, err)
		}
	}
	if cap(s.buf) > 4<<20 && n < 64<<10 {
		s.buf = nil // don't keep a huge buffer after one big message
	}
	return s.buf, nil
}

func (s *StreamConn) readErr(what string, err error) error {
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return fmt.Errorf("%s %s: read %s: %w", s.transport, s.c.RemoteAddr(), what, err)
}

// WritePacket implements Conn.
func (s *StreamConn) WritePacket(p []byte) error { return s.WritePacketParts(p) }

// WritePacketParts implements Conn.
func (s *StreamConn) WritePacketParts(parts ...[]byte) error {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	if uint64(total) > 1<<32-1 {
		return fmt.Errorf("%s %s: %w: %d bytes", s.transport, s.c.RemoteAddr(), ErrPacketTooLarge, total)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(total))
	if _, err := s.w.Write(hdr[:]); err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := s.w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// Flush implements Conn.
func (s *StreamConn) Flush() error { return s.w.Flush() }

// MaxPacket implements Conn: stream carriers have no limit of their own.
func (s *StreamConn) MaxPacket() int { return 0 }

// SetReadDeadline implements Conn.
func (s *StreamConn) SetReadDeadline(t time.Time) error { return s.c.SetReadDeadline(t) }

// SetWriteDeadline implements Conn.
func (s *StreamConn) SetWriteDeadline(t time.Time) error { return s.c.SetWriteDeadline(t) }

// Info implements Conn.
func (s *StreamConn) Info() Info {
	return Info{Transport: s.transport, Local: s.c.LocalAddr().String(), Remote: s.c.RemoteAddr().String()}
}

// Close implements Conn.
func (s *StreamConn) Close() error { return s.c.Close() }

// NetConn returns the underlying connection.
func (s *StreamConn) NetConn() net.Conn { return s.c }
