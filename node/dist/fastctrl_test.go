package dist

import (
	"bytes"
	"errors"
	"testing"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// fastSeeds are packets of messages to pids in every form a peer sends
// them (and some the fast parser leaves to the general decoder).
func fastSeeds(tb testing.TB) [][]byte {
	pid := term.NewPid("a@host", 1, 0, 3)
	to := term.NewPid("b@host", 7, 2, 9)
	msg := term.Tuple{term.Atom("m"), term.Int(1), term.Binary("xyz")}
	var out [][]byte
	for _, flags := range []handshake.Flags{handshake.Default, handshake.Default &^ handshake.SendSender, handshake.AtomVMFlags} {
		caps := CapsFor(flags)
		enc := NewEncoder(caps, flags)
		pl, err := EncodePayload(nil, msg, caps)
		if err != nil {
			tb.Fatal(err)
		}
		var c capture
		for range 2 { // the second packet uses cached atoms
			if err := enc.Write(&c, SendCtrl(pid, to, caps), pl, true); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, c.pkts...)
	}
	// Hand-made pass-through packets: PID_EXT, Latin-1 and UTF-8 atoms,
	// a non-ASCII node name, a trace token, a SEND_SENDER whose sender is
	// not a pid, a SEND without its payload.
	body := func(ctrl term.Term, payload term.Term) []byte {
		b := []byte{112}
		cb, err := etf.Marshal(ctrl)
		if err != nil {
			tb.Fatal(err)
		}
		b = append(b, cb...)
		if payload != nil {
			pb, err := etf.Marshal(payload)
			if err != nil {
				tb.Fatal(err)
			}
			b = append(b, pb...)
		}
		return b
	}
	pidExt := []byte{131, 104, 3, 97, 22, 103, 100, 0, 6, 'a', '@', 'h', 'o', 's', 't', 0, 0, 0, 1, 0, 0, 0, 0, 3,
		103, 115, 6, 'b', '@', 'h', 'o', 's', 't', 0, 0, 0, 7, 0, 0, 0, 2, 9}
	out = append(out,
		append(append([]byte{112}, pidExt...), 131, 97, 5),
		body(term.Tuple{term.Int(OpSendSender), pid, term.NewPid("ä@host", 1, 0, 1)}, msg),
		body(term.Tuple{term.Int(OpSendSenderTT), pid, to, term.Atom("token")}, msg),
		body(term.Tuple{term.Int(OpSendSender), term.Atom("notapid"), to}, msg),
		body(term.Tuple{term.Int(OpSend), term.Atom(""), to}, nil),
		body(term.Tuple{term.Int(OpSend), term.Int(5), to}, msg),
	)
	return out
}

// sameAsGeneral checks DecodeMessage against Decode and ParseControl on
// the same packets: the same answer, or the same failure.
func sameAsGeneral(t *testing.T, pkts [][]byte) (fast int) {
	general, quick := NewDecoder(), NewDecoder()
	general.MaxMessage, quick.MaxMessage = 1<<20, 1<<20
	for _, pkt := range pkts {
		ctrl, payload, gerr := general.Decode(pkt)
		m, qerr := quick.DecodeMessage(pkt)
		if (gerr == nil) != (qerr == nil) || errors.Is(gerr, ErrIncomplete) != errors.Is(qerr, ErrIncomplete) {
			t.Fatalf("% x: general error %v, DecodeMessage error %v", pkt, gerr, qerr)
		}
		if gerr != nil {
			continue
		}
		if !m.Send {
			if !term.ExactEqual(m.Ctrl, ctrl) || (m.Payload == nil) != (payload == nil) || (payload != nil && !term.ExactEqual(m.Payload, payload)) {
				t.Fatalf("% x: DecodeMessage %v %v, general %v %v", pkt, m.Ctrl, m.Payload, ctrl, payload)
			}
			continue
		}
		fast++
		s, err := ParseControl(ctrl, payload)
		if err != nil || s.Kind != KindSend {
			t.Fatalf("% x: DecodeMessage saw a message to %v; the general path: %v %v", pkt, m.To, s.Kind, err)
		}
		if !term.ExactEqual(s.To, m.To) || !term.ExactEqual(s.Msg, m.Payload) {
			t.Fatalf("% x: DecodeMessage to %v: %v; general to %v: %v", pkt, m.To, m.Payload, s.To, s.Msg)
		}
	}
	return fast
}

func TestDecodeMessageSameAsGeneral(t *testing.T) {
	seeds := fastSeeds(t)
	if fast := sameAsGeneral(t, seeds); fast < 7 {
		t.Fatalf("only %d of the packets took the fast path", fast)
	}
}

// FuzzDecodeMessage: for any run of packets (split on "\xff\x00\xff"),
// DecodeMessage's fast path for messages to pids agrees with the general
// decoder and ParseControl.
func FuzzDecodeMessage(f *testing.F) {
	seeds := fastSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add(bytes.Join(seeds, []byte("\xff\x00\xff")))
	f.Fuzz(func(t *testing.T, in []byte) {
		sameAsGeneral(t, bytes.Split(in, []byte("\xff\x00\xff")))
	})
}
