package carrier

import (
	"context"
	"errors"
	"net"
	"time"
)

// Conn is one distribution connection over some transport. The node uses
// one goroutine for reads and one for writes, so a Conn must allow one
// concurrent reader and one concurrent writer; it need not allow more.
type Conn interface {
	// ReadHandshake reads one handshake-phase message. The returned
	// slice is valid until the next read.
	ReadHandshake() ([]byte, error)
	// WriteHandshake writes one handshake-phase message and flushes it.
	WriteHandshake(msg []byte) error
	// StartData switches both directions to the data phase. Bytes already
	// buffered after the last handshake message are kept.
	StartData() error

	// ReadPacket reads one data-phase packet. A zero-length packet is a
	// tick. The returned slice is valid until the next ReadPacket.
	ReadPacket() ([]byte, error)
	// WritePacket queues one data-phase packet (which may be empty: a
	// tick). It may buffer; Flush sends what is buffered.
	WritePacket(p []byte) error
	// WritePacketParts queues one packet made of several parts written
	// back to back (header, control, payload) without copying them first.
	// It must not keep the parts after it returns: the node reuses their
	// buffers.
	WritePacketParts(parts ...[]byte) error
	// Flush sends buffered packets.
	Flush() error

	// MaxPacket is the largest data packet the transport can carry, or 0
	// for no limit (TCP). Serial links carry at most 1 MiB per packet.
	MaxPacket() int
	// SetReadDeadline and SetWriteDeadline bound blocking reads/writes.
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	// Info describes the link for logs and the UI.
	Info() Info
	// Close tears the link down; pending reads and writes return errors.
	Close() error
}

// Detacher is implemented by carriers that can give the buffer of the
// packet just read away instead of reusing it: the node then keeps a
// large message's bytes (the binaries of the decoded term point into
// them) rather than copying them.
type Detacher interface {
	// Detach hands the slice ReadPacket returned last to the caller,
	// who may keep it; it reports false when the carrier cannot.
	Detach() bool
}

// Bufferer is implemented by carriers that read ahead: the node's
// reader wakes the receivers of a run of messages once, when no whole
// packet is left in the buffer (or after a few), instead of once per
// message.
type Bufferer interface {
	// PacketBuffered reports whether ReadPacket would return a whole
	// packet without waiting for the link.
	PacketBuffered() bool
}

// Info describes a Conn.
type Info struct {
	// Transport is "tcp", "tls" or "serial".
	Transport string
	// Local and Remote are addresses (host:port, or a device path).
	Local, Remote string
}

// Handshaker is implemented by a Conn whose transport has a handshake of
// its own to run before the distribution handshake (TLS). Listeners
// return such connections at once; the node runs Handshake on the
// connection's own goroutine, bounded by its set-up time, so that a slow
// or silent client never holds up the accept loop.
type Handshaker interface {
	// Handshake runs the transport handshake; a failure wraps
	// ErrHandshake. It does nothing when there is none (plain TCP).
	Handshake(ctx context.Context) error
}

// Dialer opens outgoing connections.
type Dialer interface {
	// Dial connects to address (host:port for TCP/TLS, a device for
	// serial). The context bounds the connection set-up.
	Dial(ctx context.Context, address string) (Conn, error)
}

// Listener accepts incoming connections.
type Listener interface {
	// Accept waits for the next connection or for ctx to end. It must
	// not wait for anything the client sends: per-connection handshakes
	// belong to Handshaker.
	Accept(ctx context.Context) (Conn, error)
	// Addr is the listening address ("127.0.0.1:4370", "/dev/ttyUSB0").
	Addr() string
	// Port is the TCP port to register with epmd, or 0 if the listener
	// is not reachable through epmd (serial).
	Port() int
	Close() error
}

// ErrPacketTooLarge is returned by WritePacket when a packet exceeds
// MaxPacket.
var ErrPacketTooLarge = errors.New("packet larger than the carrier can carry")

// ErrClosed is returned by operations on a closed Conn or Listener.
var ErrClosed = net.ErrClosed
