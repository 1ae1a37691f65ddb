package carrier

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"testing"
)

// pipeConn returns a StreamConn over one end of a TCP loopback
// connection and the other end as a plain net.Conn.
func pipeConn(t *testing.T, transport string) (*StreamConn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); peer.Close() })
	return NewStreamConn(c, transport, 0), peer
}

func frame(width int, msg []byte) []byte {
	out := make([]byte, width)
	if width == 2 {
		binary.BigEndian.PutUint16(out, uint16(len(msg)))
	} else {
		binary.BigEndian.PutUint32(out, uint32(len(msg)))
	}
	return append(out, msg...)
}

// TestHandshakeThenDataInOneWrite: the handshake phase reads exactly one
// message at a time, so data packets that arrive in the same segment as
// the last handshake message are read after StartData, not lost.
func TestHandshakeThenDataInOneWrite(t *testing.T) {
	for _, tc := range []struct {
		transport string
		width     int
	}{{"tcp", 2}, {"tls", 4}} { // "tls" framing over a plain socket: the framing is what differs
		s, peer := pipeConn(t, tc.transport)
		in := bytes.Join([][]byte{
			frame(tc.width, []byte("sok")),
			frame(4, []byte("packet one")),
			frame(4, nil), // a tick
			frame(4, []byte("packet two")),
		}, nil)
		if _, err := peer.Write(in); err != nil {
			t.Fatal(err)
		}
		msg, err := s.ReadHandshake()
		if err != nil || string(msg) != "sok" {
			t.Fatalf("%s: handshake message %q, %v", tc.transport, msg, err)
		}
		if _, err := s.ReadPacket(); err == nil {
			t.Fatalf("%s: a packet read before StartData", tc.transport)
		}
		if err := s.StartData(); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"packet one", "", "packet two"} {
			p, err := s.ReadPacket()
			if err != nil || string(p) != want {
				t.Fatalf("%s: packet %q, %v; want %q", tc.transport, p, err, want)
			}
		}
	}
}

// TestHandshakeLengthBound: a length prefix beyond the largest message
// of the handshake is refused as soon as it arrives (the body never
// comes), and the largest message itself is read.
func TestHandshakeLengthBound(t *testing.T) {
	for _, tc := range []struct {
		transport string
		width     int
	}{{"tcp", 2}, {"tls", 4}} {
		s, peer := pipeConn(t, tc.transport)
		big := make([]byte, MaxHandshakeMessage)
		if _, err := peer.Write(frame(tc.width, big)); err != nil {
			t.Fatal(err)
		}
		if msg, err := s.ReadHandshake(); err != nil || len(msg) != MaxHandshakeMessage {
			t.Fatalf("%s: the largest handshake message: %d bytes, %v", tc.transport, len(msg), err)
		}
		hdr := frame(tc.width, make([]byte, MaxHandshakeMessage+1))[:tc.width]
		if tc.width == 2 {
			hdr = []byte{0xff, 0xff}
		}
		if _, err := peer.Write(append(hdr, 'N')); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadHandshake(); !errors.Is(err, ErrHandshakeTooLarge) {
			t.Fatalf("%s: an over-long handshake length: %v", tc.transport, err)
		}
	}
	s, _ := pipeConn(t, "tcp")
	if err := s.WriteHandshake(make([]byte, MaxHandshakeMessage+1)); !errors.Is(err, ErrHandshakeTooLarge) {
		t.Fatalf("writing an over-long handshake message: %v", err)
	}
}

// TestHandshakePhaseIsSmall: a connection in its handshake holds no
// 64 KiB buffers; they come with StartData.
func TestHandshakePhaseIsSmall(t *testing.T) {
	const conns = 100
	pairs := make([]*StreamConn, conns)
	peers := make([]net.Conn, conns)
	for i := range pairs {
		pairs[i], peers[i] = pipeConn(t, "tcp")
		if _, err := peers[i].Write(frame(2, []byte("N partial"))); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	wrapped := make([]*StreamConn, conns)
	for i, s := range pairs {
		wrapped[i] = NewStreamConn(s.NetConn(), "tcp", 0)
		if _, err := wrapped[i].ReadHandshake(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / conns
	t.Logf("a connection in its handshake allocated %d bytes", per)
	if per > 1<<10 {
		t.Fatalf("a connection in its handshake allocated %d bytes, want under 1 KiB", per)
	}
	if err := wrapped[0].StartData(); err != nil || wrapped[0].r == nil || wrapped[0].r.Size() != startBufSize {
		t.Fatalf("StartData did not give the connection its buffers: %v", err)
	}
	runtime.KeepAlive(wrapped)
}

// TestTLSHandshakeIsTheCallers: an accepted TLS connection is returned
// before its TLS handshake; Handshake runs it, bounded by its context,
// and reports a failure as ErrHandshake.
func TestTLSHandshakeIsTheCallers(t *testing.T) {
	l, err := ListenTCP("127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS12}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	silent, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	c, err := l.Accept(context.Background()) // returns although the client says nothing
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, ok := c.(Handshaker)
	if !ok || c.Info().Transport != "tls" {
		t.Fatalf("accepted %T (%+v), want a TLS Handshaker", c, c.Info())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Handshake(ctx); !errors.Is(err, ErrHandshake) {
		t.Fatalf("handshake with a silent client and a cancelled context: %v", err)
	}
}
