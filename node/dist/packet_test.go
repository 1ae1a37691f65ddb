package dist

import (
	"bytes"
	"testing"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

type capture struct{ pkts [][]byte }

func (c *capture) WritePacketParts(parts ...[]byte) error {
	c.pkts = append(c.pkts, bytes.Join(parts, nil))
	return nil
}

func TestHeaderRoundTrip(t *testing.T) {
	caps := CapsFor(handshake.Default)
	enc := NewEncoder(caps, handshake.Default)
	dec := NewDecoder()
	pid := term.NewPid("a@host", 1, 0, 3)
	for i := 0; i < 3; i++ { // the second and third packets use cached atoms
		ctrl := term.Tuple{term.Int(OpRegSend), pid, term.Atom(""), term.Atom("net_kernel")}
		payload, err := EncodePayload(nil, term.Tuple{term.Atom("hello"), pid}, caps)
		if err != nil {
			t.Fatal(err)
		}
		var c capture
		if err := enc.Write(&c, ctrl, payload, true); err != nil {
			t.Fatal(err)
		}
		if i == 0 && c.pkts[0][3]&0x8 == 0 {
			t.Fatalf("first use of an atom not marked new: % x", c.pkts[0][:8])
		}
		gc, gp, err := dec.Decode(c.pkts[0])
		if err != nil {
			t.Fatalf("packet %d: %v\n% x", i, err, c.pkts[0])
		}
		if !term.ExactEqual(gc, ctrl) || !term.ExactEqual(gp, term.Tuple{term.Atom("hello"), pid}) {
			t.Fatalf("packet %d: got %v %v", i, gc, gp)
		}
	}
}

func TestFragmentsRoundTrip(t *testing.T) {
	caps := CapsFor(handshake.Default)
	enc := NewEncoder(caps, handshake.Default)
	enc.SetFragmentSize(1000)
	dec := NewDecoder()
	big := make([]byte, 10_000)
	for i := range big {
		big[i] = byte(i)
	}
	ctrl := term.Tuple{term.Int(OpSendSender), term.NewPid("a@h", 1, 0, 1), term.NewPid("b@h", 2, 0, 1)}
	payload, _ := EncodePayload(nil, term.Binary(big), caps)
	var c capture
	if err := enc.Write(&c, ctrl, payload, true); err != nil {
		t.Fatal(err)
	}
	if len(c.pkts) < 10 {
		t.Fatalf("%d fragments", len(c.pkts))
	}
	for i, p := range c.pkts {
		gc, gp, err := dec.Decode(p)
		if i < len(c.pkts)-1 {
			if err != ErrIncomplete {
				t.Fatalf("fragment %d: %v", i, err)
			}
			continue
		}
		if err != nil || !term.ExactEqual(gc, ctrl) || !term.ExactEqual(gp, term.Binary(big)) {
			t.Fatalf("reassembled: %v", err)
		}
	}
}

func TestAtomVMPassThrough(t *testing.T) {
	caps := CapsFor(handshake.AtomVMFlags)
	enc := NewEncoder(caps, handshake.Default&handshake.AtomVMFlags)
	var c capture
	ctrl, payload, has, err := Build(Signal{Kind: KindSend, From: term.NewPid("a@h", 1, 0, 1), To: term.NewPid("avm@h", 2, 0, 1), Msg: term.Atom("x")}, caps)
	if err != nil || ctrl[0] != term.Int(OpSendSender) {
		t.Fatalf("AtomVM send must be SEND_SENDER: %v %v", ctrl, err)
	}
	p, _ := EncodePayload(nil, payload, caps)
	if err := enc.Write(&c, ctrl, p, has); err != nil {
		t.Fatal(err)
	}
	if c.pkts[0][0] != 112 || c.pkts[0][1] != 131 {
		t.Fatalf("not a pass-through packet: % x", c.pkts[0][:4])
	}
	if _, _, _, err := Build(Signal{Kind: KindExit2}, caps); err == nil {
		t.Fatal("EXIT2 to AtomVM must be refused")
	}
	if _, err := EncodePayload(nil, term.NewBitstring([]byte{0xE0}, 3), caps); err == nil {
		t.Fatal("bitstring to AtomVM must be refused")
	}
}
