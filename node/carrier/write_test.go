package carrier

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// TestWritePacketPartsFraming: small packets gathered in the buffer,
// packets with a large part written with writev, packets larger than the
// buffer made of small parts, all arrive whole and in order.
func TestWritePacketPartsFraming(t *testing.T) {
	s, peerConn := pipeConn(t, "tcp")
	peer := NewStreamConn(peerConn, "tcp", 0)
	if err := s.StartData(); err != nil {
		t.Fatal(err)
	}
	if err := peer.StartData(); err != nil {
		t.Fatal(err)
	}
	fill := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }
	packets := [][][]byte{
		{[]byte("small")},
		{nil}, // a tick
		{[]byte("hdr"), []byte("ctrl"), fill(directPart, 'a')},
		{[]byte("after a big one")},
		{fill(dataBufSize-100, 'b')}, // fills what the buffer has left: flushed first
		{fill(15<<10, 'c'), fill(15<<10, 'd'), fill(15<<10, 'e'), fill(15<<10, 'f'), fill(15<<10, 'g')}, // larger than the buffer, no large part
		{fill(3*dataBufSize, 'h'), []byte("tail")},
		{[]byte("last")},
	}
	go func() {
		for _, p := range packets {
			if err := s.WritePacketParts(p...); err != nil {
				t.Error(err)
				return
			}
		}
		if err := s.Flush(); err != nil {
			t.Error(err)
		}
	}()
	_ = peer.SetReadDeadline(time.Now().Add(time.Minute))
	for i, p := range packets {
		got, err := peer.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if want := bytes.Join(p, nil); !bytes.Equal(got, want) {
			t.Fatalf("packet %d: %s, want %s", i, summary(got), summary(want))
		}
	}
}

func summary(b []byte) string {
	if len(b) <= 32 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes %q…%q", len(b), b[:16], b[len(b)-16:])
}
