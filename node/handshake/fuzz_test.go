package handshake

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
)

// handshakeMsgs frames messages as the TCP carrier does (2-byte length).
func handshakeMsgs(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = binary.BigEndian.AppendUint16(out, uint16(len(m)))
		out = append(out, m...)
	}
	return out
}

// fuzzPeer runs role against a peer that writes in and then closes; the
// role must end (with any result) without panicking or hanging.
func fuzzPeer(t *testing.T, in []byte, role func(ctx context.Context, c carrier.Conn) error) {
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		_, _ = b.Write(in)
		_ = b.Close()
	}()
	go func() { _, _ = io.Copy(io.Discard, b) }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = role(ctx, carrier.NewStreamConn(a, "tcp", 0))
	}()
	select {
	case <-done:
	case <-time.After(erltest.Timeout(5 * time.Second)):
		t.Fatalf("the handshake did not end on input % x", in)
	}
}

// FuzzAccept feeds arbitrary initiator messages to the acceptor.
func FuzzAccept(f *testing.F) {
	name := []byte("x@host")
	sendName := append([]byte{'N'}, binary.BigEndian.AppendUint64(nil, uint64(Default))...)
	sendName = binary.BigEndian.AppendUint32(sendName, 7)
	sendName = binary.BigEndian.AppendUint16(sendName, uint16(len(name)))
	sendName = append(sendName, name...)
	f.Add(handshakeMsgs(sendName))
	f.Add(handshakeMsgs(sendName, append([]byte{'r'}, make([]byte, 20)...)))
	f.Add(handshakeMsgs([]byte{'n', 0, 6, 0, 0, 0, 0, 'x', '@', 'h'}))
	f.Add([]byte{0xff, 0xff, 'N'})
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzPeer(t, in, func(ctx context.Context, c carrier.Conn) error {
			// Answer "alive" to peers named "alive@host": that path reads
			// one more message from the initiator.
			decide := func(p Peer) Status {
				if p.Name == "alive@host" {
					return StatusAlive
				}
				return StatusOK
			}
			_, err := Accept(ctx, c, cfg("y@host", "cookie"), decide, func(string, bool) {})
			return err
		})
	})
}

// FuzzInitiate feeds arbitrary acceptor answers to the initiator.
func FuzzInitiate(f *testing.F) {
	challenge := append([]byte{'N'}, binary.BigEndian.AppendUint64(nil, uint64(Default))...)
	challenge = binary.BigEndian.AppendUint32(challenge, 12345) // challenge
	challenge = binary.BigEndian.AppendUint32(challenge, 9)     // creation
	challenge = binary.BigEndian.AppendUint16(challenge, 6)
	challenge = append(challenge, "y@host"...)
	f.Add(handshakeMsgs([]byte("sok"), challenge))
	f.Add(handshakeMsgs([]byte("salive"), challenge))
	f.Add(handshakeMsgs([]byte("snot_allowed")))
	f.Add(handshakeMsgs([]byte("sok"), challenge, append([]byte{'a'}, make([]byte, 16)...)))
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzPeer(t, in, func(ctx context.Context, c carrier.Conn) error {
			_, err := Initiate(ctx, c, cfg("x@host", "cookie"), "y@host", func() bool { return true })
			return err
		})
	})
}
