package carrier

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// naglePeer is the far end of a loopback TCP connection that behaves like
// AtomVM's socket_dist: Nagle's algorithm on (no TCP_NODELAY), and each
// request answered with two packets written separately, like a
// spawn_reply followed by the DOWN that carries an erpc result.
type naglePeer struct {
	c net.Conn
}

// newNaglePair returns our StreamConn (in its data phase) and the peer.
func newNaglePair(tb testing.TB) (*StreamConn, *naglePeer) {
	tb.Helper()
	l, err := ListenTCP("127.0.0.1:0", nil, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	peer, err := net.Dial("tcp", l.Addr())
	if err != nil {
		tb.Fatal(err)
	}
	if err := peer.(*net.TCPConn).SetNoDelay(false); err != nil {
		tb.Fatal(err)
	}
	c, err := l.Accept(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(); peer.Close() })
	s := c.(*StreamConn)
	if err := s.StartData(); err != nil {
		tb.Fatal(err)
	}
	return s, &naglePeer{c: peer}
}

// serve answers every request packet with two packets, each in its own
// write, until the connection closes.
func (p *naglePeer) serve() {
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(p.c, hdr[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(p.c, body); err != nil {
			return
		}
		for _, reply := range []string{"spawn_reply", "DOWN"} {
			out := binary.BigEndian.AppendUint32(nil, uint32(len(reply)))
			if _, err := p.c.Write(append(out, reply...)); err != nil {
				return
			}
		}
	}
}

// call sends a request and reads the two replies.
func call(tb testing.TB, s *StreamConn) {
	tb.Helper()
	if err := s.WritePacket([]byte("request")); err != nil {
		tb.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		tb.Fatal(err)
	}
	for _, want := range []string{"spawn_reply", "DOWN"} {
		pkt, err := s.ReadPacket()
		if err != nil {
			tb.Fatal(err)
		}
		if string(pkt) != want {
			tb.Fatalf("got packet %q, want %q", pkt, want)
		}
	}
}

// TestQuickAckWithNaglePeer reproduces the interaction with a peer that
// leaves Nagle on and writes two packets per answer: with SetQuickAck
// every read forces its ACK (so the peer's second packet is not held
// back for our delayed ACK); without it, none does. How long the calls
// take either way is measured by BenchmarkNaglePeerCall.
func TestQuickAckWithNaglePeer(t *testing.T) {
	s, peer := newNaglePair(t)
	go peer.serve()
	_ = s.SetReadDeadline(time.Now().Add(time.Minute))

	call(t, s)
	if got := s.QuickAcks(); got != 0 {
		t.Fatalf("data phase without SetQuickAck: %d forced ACKs, want 0", got)
	}
	s.SetQuickAck(true)
	const calls = 20
	for range calls {
		call(t, s)
	}
	if got := s.QuickAcks(); got < calls {
		// At least one read per call (both replies may come in one).
		t.Fatalf("%d calls with SetQuickAck(true) forced %d ACKs, want at least %d", calls, got, calls)
	}
	s.SetQuickAck(false)
	before := s.QuickAcks()
	call(t, s)
	if got := s.QuickAcks(); got != before {
		t.Fatalf("after SetQuickAck(false): %d more forced ACKs, want 0", got-before)
	}
}

// TestQuickAckDuringHandshake: handshake reads force their ACKs whatever
// the peer, since its kind is not known yet (an AtomVM responder sends
// its status and its challenge back to back).
func TestQuickAckDuringHandshake(t *testing.T) {
	s, peer := pipeConn(t, "tcp")
	ts := NewStreamConn(s.NetConn(), "tcp", 0)
	if _, err := peer.Write(append(frame(2, []byte("sok")), frame(2, []byte("N challenge"))...)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ts.ReadHandshake(); err != nil {
			t.Fatal(err)
		}
	}
	if ts.QuickAcks() == 0 {
		t.Fatal("handshake reads forced no ACK")
	}
}

// TestNoDelay: our own side never delays small packets (TCP_NODELAY on
// dialed and accepted connections), so no peer waits on us the way we
// waited on AtomVM.
func TestNoDelay(t *testing.T) {
	l, err := ListenTCP("127.0.0.1:0", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan Conn, 1)
	go func() {
		c, err := l.Accept(context.Background())
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	d, err := (&TCPDialer{}).Dial(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Port())))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := <-accepted
	if a == nil {
		t.FailNow()
	}
	defer a.Close()
	for name, c := range map[string]Conn{"dialed": d, "accepted": a} {
		raw, err := c.(*StreamConn).NetConn().(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var serr error
		if err := raw.Control(func(fd uintptr) {
			v, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
		}); err != nil || serr != nil {
			t.Fatalf("%s: getsockopt: %v %v", name, err, serr)
		}
		if v == 0 {
			t.Errorf("%s connection: TCP_NODELAY is off", name)
		}
	}
}

// BenchmarkNaglePeerCall measures one request and its two-packet answer
// from a peer that leaves Nagle on, with and without forced ACKs. Without
// them each call waits for the delayed-ACK timer (about 40 ms).
func BenchmarkNaglePeerCall(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run("quickack="+strconv.FormatBool(on), func(b *testing.B) {
			s, peer := newNaglePair(b)
			go peer.serve()
			s.SetQuickAck(on)
			for range 20 { // past the kernel's initial quick-ACK phase
				call(b, s)
			}
			b.ResetTimer()
			for range b.N {
				call(b, s)
			}
		})
	}
}
