package dist

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// within reports whether b's bytes lie inside buf's array.
func within(b, buf []byte) bool {
	if len(b) == 0 || cap(buf) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return p >= start && p < start+uintptr(cap(buf))
}

// TestKeepLargePackets: with Keep, a large message's binary points into
// the packet that carried it (the first fragment's buffer, grown by the
// next ones, or the whole packet) instead of being copied; without Keep,
// or for a small packet, it is a copy. The decoded terms are the same.
func TestKeepLargePackets(t *testing.T) {
	big := term.Binary(bytes.Repeat([]byte("0123456789abcdef"), 4<<10)) // 64 KiB
	msg := term.Tuple{term.Atom("m"), term.Int(1), big}
	for _, tc := range []struct {
		name      string
		fragments bool
		keep      bool
		shared    bool
	}{
		{"fragmented, kept", true, true, true},
		{"fragmented, copied", true, false, false},
		{"one packet, kept", false, true, true},
		{"one packet, copied", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags := handshake.Default
			if !tc.fragments {
				flags &^= handshake.Fragments
			}
			caps := CapsFor(flags)
			enc := NewEncoder(caps, flags)
			payload, err := EncodePayload(nil, msg, caps)
			if err != nil {
				t.Fatal(err)
			}
			var c capture
			ctrl := term.Tuple{term.Int(OpSend), term.Atom(""), term.NewPid("a@h", 1, 0, 1)}
			if err := enc.Write(&c, ctrl, payload, true); err != nil {
				t.Fatal(err)
			}
			if tc.fragments != (len(c.pkts) > 1) {
				t.Fatalf("%d packets", len(c.pkts))
			}
			dec := NewDecoder()
			kept := 0
			dec.Keep = func() bool { kept++; return tc.keep }
			var got term.Term
			var first []byte
			for i, pkt := range c.pkts {
				// As the stream carrier does: room after a large packet
				// for a short last fragment.
				pkt = append(make([]byte, 0, len(pkt)+4<<10), pkt...)
				if i == 0 {
					first = pkt
				}
				_, p, err := dec.Decode(pkt)
				if errors.Is(err, ErrIncomplete) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				got = p
			}
			if !term.ExactEqual(got, msg) {
				t.Fatal("decoded message differs")
			}
			if kept == 0 {
				t.Fatal("Keep was never asked")
			}
			bin := got.(term.Tuple)[2].(term.Binary)
			if s := within(bin, first); s != tc.shared {
				t.Fatalf("binary inside the first packet's buffer: %v, want %v", s, tc.shared)
			}
		})
	}
	// A small packet is never kept.
	dec := NewDecoder()
	dec.Keep = func() bool { t.Fatal("Keep asked for a small packet"); return false }
	caps := CapsFor(handshake.Default)
	payload, _ := EncodePayload(nil, term.Binary("small"), caps)
	var c capture
	if err := NewEncoder(caps, handshake.Default).Write(&c, term.Tuple{term.Int(OpSend), term.Atom(""), term.NewPid("a@h", 1, 0, 1)}, payload, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := dec.Decode(c.pkts[0]); err != nil {
		t.Fatal(err)
	}
}
