package carrier

import (
	"crypto/tls"
	"net"
	"sync/atomic"
	"syscall"
)

// QuickAcker is implemented by carriers that can acknowledge what they
// read at once instead of delaying the ACK (TCP_QUICKACK on Linux).
//
// A peer that leaves Nagle's algorithm on (AtomVM's socket_dist does not
// set TCP_NODELAY) holds back its next small packet until the previous
// one is acknowledged. When that packet is the second of a pair — a
// spawn_reply and then the DOWN that carries an erpc result, or a
// handshake status and then the challenge — and we have nothing to send
// in between, our ACK waits for the kernel's delayed-ACK timer (40 ms on
// Linux) and so does the peer's packet: every call takes about 44 ms
// whatever its size. Acknowledging each read at once takes one setsockopt
// per read and brings such a call down to the round trip.
type QuickAcker interface {
	// SetQuickAck turns acknowledging every read at once on or off for
	// the data phase. A stream connection does it during its handshake
	// whatever this says: the peer's kind is not known yet, and a
	// handshake has only a few reads.
	SetQuickAck(on bool)
}

// quickAck acknowledges reads at once on one TCP socket.
type quickAck struct {
	raw syscall.RawConn // nil: not a TCP socket (or not supported here)
	on  atomic.Bool
	n   atomic.Uint64 // how many times an ACK was forced (tests, stats)
}

// newQuickAck finds the TCP socket under c (also under TLS).
func newQuickAck(c net.Conn) *quickAck {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tcp, ok := c.(*net.TCPConn)
	if !ok || !quickAckSupported {
		return &quickAck{}
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return &quickAck{}
	}
	return &quickAck{raw: raw}
}

// afterRead forces the ACK of what was just read, when on.
func (q *quickAck) afterRead(n int) {
	if n <= 0 || q.raw == nil || !q.on.Load() {
		return
	}
	if setQuickAck(q.raw) {
		q.n.Add(1)
	}
}

// ackReader reads from a connection and forces the ACK after each read
// that returned data.
type ackReader struct {
	c net.Conn
	q *quickAck
}

func (r ackReader) Read(p []byte) (int, error) {
	n, err := r.c.Read(p)
	r.q.afterRead(n)
	return n, err
}
