package carrier

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// DefaultMaxPacket bounds an incoming data packet on stream carriers
// (TCP/TLS) unless configured otherwise. Large messages from BEAM arrive
// in fragments when FRAGMENTS is negotiated, so this only limits a single
// unfragmented packet.
const DefaultMaxPacket = 256 << 20

// MaxHandshakeMessage bounds a handshake message on stream carriers: the
// largest message of the version-6 handshake is the challenge, 'N',
// Flags:8, Challenge:4, Creation:4, NLen:2 and the node name
// (erl_dist_protocol, "Distribution Handshake", recv_challenge), and a
// node name is an atom of at most 255 characters, which avmsh accepts
// only in ASCII. The length prefix of a longer message is refused as soon
// as it arrives, before anything is allocated for its body.
const MaxHandshakeMessage = 1 + 8 + 4 + 4 + 2 + 255

// dataBufSize is the largest size of the read and write buffers of an
// established connection. The read buffer starts at startBufSize and
// doubles only when a read fills it (growReader; a packet at least as
// large as the buffer is read straight into its own memory); the write
// buffer starts empty and grows with what is written between flushes. An
// idle or lightly used connection (a dashboard polling 200 nodes) so
// costs a few KiB, not 128. A connection still in its handshake has
// none: it reads and writes exactly what each message needs, so an
// unauthenticated peer costs a few hundred bytes.
const (
	dataBufSize  = 64 << 10
	startBufSize = 1 << 10
)

// StreamConn is a Conn over a byte stream (TCP or TLS). Data packets have
// a 4-byte length prefix (erl_dist_protocol, "Protocol between connected
// nodes"). Handshake messages have a 2-byte prefix over TCP, but a 4-byte
// one over TLS: OTP's inet_tls_dist runs the whole connection with
// {packet, 4}.
type StreamConn struct {
	c         net.Conn
	r         *growReader // nil until StartData
	w         []byte      // pending output; nil until StartData
	buf       []byte
	maxIn     int
	transport string
	hsLen4    bool
	hdr       [4]byte
	ack       *quickAck
	in        ackReader // c, forcing ACKs while ack is on
}

// NewStreamConn wraps c. maxIn bounds incoming data packets (0 means
// DefaultMaxPacket). When c is a *tls.Conn whose handshake has not run,
// Handshake runs it (otherwise the first read or write does).
func NewStreamConn(c net.Conn, transport string, maxIn int) *StreamConn {
	if maxIn <= 0 {
		maxIn = DefaultMaxPacket
	}
	s := &StreamConn{
		c:         c,
		maxIn:     maxIn,
		transport: transport,
		hsLen4:    transport == "tls",
		ack:       newQuickAck(c),
	}
	s.ack.on.Store(true) // during the handshake (see QuickAcker)
	s.in = ackReader{c: c, q: s.ack}
	return s
}

// SetQuickAck implements QuickAcker.
func (s *StreamConn) SetQuickAck(on bool) { s.ack.on.Store(on) }

// QuickAcks reports how many reads were acknowledged at once.
func (s *StreamConn) QuickAcks() uint64 { return s.ack.n.Load() }

// Handshake implements Handshaker: it runs the TLS handshake of a TLS
// connection (bounded by ctx) and does nothing for plain TCP. A failure
// wraps ErrHandshake.
func (s *StreamConn) Handshake(ctx context.Context) error {
	tc, ok := s.c.(*tls.Conn)
	if !ok {
		return nil
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("%w: TLS handshake with %s: %v", ErrHandshake, s.c.RemoteAddr(), err)
	}
	return nil
}

// ReadHandshake implements Conn. It reads straight from the connection,
// exactly the bytes of one message, so nothing is buffered ahead.
func (s *StreamConn) ReadHandshake() ([]byte, error) {
	width := 2
	if s.hsLen4 {
		width = 4
	}
	if s.r != nil {
		return nil, fmt.Errorf("%s %s: handshake read after the data phase started", s.transport, s.c.RemoteAddr())
	}
	if _, err := io.ReadFull(s.in, s.hdr[:width]); err != nil {
		return nil, s.readErr("handshake length", err)
	}
	var n uint32
	if s.hsLen4 {
		n = binary.BigEndian.Uint32(s.hdr[:])
	} else {
		n = uint32(binary.BigEndian.Uint16(s.hdr[:2]))
	}
	if n > MaxHandshakeMessage {
		return nil, fmt.Errorf("%s %s: %w: a handshake message of %d bytes (the protocol's largest is %d)", s.transport, s.c.RemoteAddr(), ErrHandshakeTooLarge, n, MaxHandshakeMessage)
	}
	if cap(s.buf) < int(n) {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	if _, err := io.ReadFull(s.in, s.buf); err != nil {
		return nil, s.readErr("handshake message", err)
	}
	return s.buf, nil
}

// ErrHandshakeTooLarge is returned by ReadHandshake for a length prefix
// beyond MaxHandshakeMessage.
var ErrHandshakeTooLarge = errors.New("handshake message longer than the protocol allows")

// WriteHandshake implements Conn: one write of the length and the message.
func (s *StreamConn) WriteHandshake(msg []byte) error {
	if len(msg) > MaxHandshakeMessage {
		return fmt.Errorf("%s %s: %w: %d bytes", s.transport, s.c.RemoteAddr(), ErrHandshakeTooLarge, len(msg))
	}
	width := 2
	if s.hsLen4 {
		width = 4
	}
	out := make([]byte, width, width+len(msg))
	if s.hsLen4 {
		binary.BigEndian.PutUint32(out, uint32(len(msg)))
	} else {
		binary.BigEndian.PutUint16(out, uint16(len(msg)))
	}
	_, err := s.c.Write(append(out, msg...))
	return err
}

// StartData implements Conn: the connection gets its read and write
// buffers. Nothing was read ahead during the handshake, so nothing is
// lost. Reads are acknowledged at once only after SetQuickAck(true) from
// now on.
func (s *StreamConn) StartData() error {
	s.startData()
	return nil
}

func (s *StreamConn) startData() {
	if s.r == nil {
		s.ack.on.Store(false)
		s.r = newGrowReader(s.in, startBufSize, dataBufSize)
		s.w = []byte{} // not nil: the data phase has started
		s.buf = nil
	}
}

// ReadPacket implements Conn.
func (s *StreamConn) ReadPacket() ([]byte, error) {
	if s.r == nil {
		return nil, fmt.Errorf("%s %s: packet read before the data phase started", s.transport, s.c.RemoteAddr())
	}
	if _, err := io.ReadFull(s.r, s.hdr[:]); err != nil {
		return nil, s.readErr("packet length", err)
	}
	n := binary.BigEndian.Uint32(s.hdr[:])
	if uint64(n) > uint64(s.maxIn) {
		return nil, fmt.Errorf("%s %s: incoming packet of %d bytes exceeds the %d-byte limit", s.transport, s.c.RemoteAddr(), n, s.maxIn)
	}
	return s.readBody(int(n), "packet")
}

// readBody reads n bytes of a data packet into the reusable buffer,
// growing it only as data actually arrives so a lying length cannot make
// us allocate it all.
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
	if n <= chunk {
		// One allocation, with room after the packet: a decoder that
		// keeps this buffer (Detach) appends a short last fragment there.
		s.buf = make([]byte, n, n+4<<10)
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

// PacketBuffered implements Bufferer: whether a whole data packet is
// already in the read buffer, so that ReadPacket will not wait.
func (s *StreamConn) PacketBuffered() bool {
	if s.r == nil || s.r.Buffered() < 4 {
		return false
	}
	hdr, err := s.r.Peek(4)
	if err != nil {
		return false
	}
	return s.r.Buffered()-4 >= int(binary.BigEndian.Uint32(hdr))
}

// Detach implements Detacher: the packet ReadPacket returned last
// belongs to the caller from now on; the next packet is read into a new
// buffer.
func (s *StreamConn) Detach() bool {
	s.buf = nil
	return true
}

func (s *StreamConn) readErr(what string, err error) error {
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return fmt.Errorf("%s %s: read %s: %w", s.transport, s.c.RemoteAddr(), what, err)
}

// WritePacket implements Conn.
func (s *StreamConn) WritePacket(p []byte) error { return s.WritePacketParts(p) }

// directPart is the size from which a part of a packet is not copied
// into the output buffer: it goes to the socket in one writev with what
// is buffered before it.
const directPart = 16 << 10

// WritePacketParts implements Conn. Small packets are gathered in the
// output buffer until Flush (or until it is full); a packet with a large
// part (a binary of a big message) is written at once, without copying
// that part.
func (s *StreamConn) WritePacketParts(parts ...[]byte) error {
	if s.w == nil {
		return fmt.Errorf("%s %s: packet write before the data phase started", s.transport, s.c.RemoteAddr())
	}
	total := 0
	big := -1
	for i, p := range parts {
		total += len(p)
		if big < 0 && len(p) >= directPart {
			big = i
		}
	}
	if uint64(total) > 1<<32-1 {
		return fmt.Errorf("%s %s: %w: %d bytes", s.transport, s.c.RemoteAddr(), ErrPacketTooLarge, total)
	}
	if big < 0 && len(s.w)+4+total > dataBufSize {
		if err := s.Flush(); err != nil {
			return err
		}
		if 4+total > dataBufSize {
			big = 0 // too large to buffer: every part goes straight out
		}
	}
	s.w = binary.BigEndian.AppendUint32(s.w, uint32(total))
	if big < 0 {
		for _, p := range parts {
			s.w = append(s.w, p...)
		}
		return nil
	}
	for _, p := range parts[:big] {
		s.w = append(s.w, p...)
	}
	bufs := make(net.Buffers, 0, 1+len(parts)-big)
	bufs = append(bufs, s.w)
	bufs = append(bufs, parts[big:]...)
	_, err := bufs.WriteTo(s.c)
	s.w = s.w[:0]
	return err
}

// Flush implements Conn.
func (s *StreamConn) Flush() error {
	if len(s.w) == 0 {
		return nil
	}
	_, err := s.c.Write(s.w)
	s.w = s.w[:0]
	return err
}

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
