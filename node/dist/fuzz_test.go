package dist

import (
	"bytes"
	"testing"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// FuzzDecodePacket feeds a peer's packets (the input split on the byte
// sequence "\xff\x00\xff", so that a run of packets can build atom cache
// entries and fragments) to one Decoder, and every decoded control term
// to ParseControl. Nothing may panic, and a decoder that failed on one
// packet must keep its bounds on the next.
func FuzzDecodePacket(f *testing.F) {
	caps := CapsFor(handshake.Default)
	pid := term.NewPid("a@host", 1, 0, 3)
	ref := term.NewRef("a@host", 3, 1, 2, 3)
	seeds := []struct {
		ctrl    term.Tuple
		payload term.Term
	}{
		{term.Tuple{term.Int(OpRegSend), pid, term.Atom(""), term.Atom("net_kernel")}, term.Tuple{term.Atom("$gen_call"), term.Tuple{pid, ref}, term.Tuple{term.Atom("is_auth"), term.Atom("a@host")}}},
		{term.Tuple{term.Int(OpSendSender), pid, pid}, term.Binary(bytes.Repeat([]byte("x"), 3000))},
		{term.Tuple{term.Int(OpLink), pid, pid}, nil},
		{term.Tuple{term.Int(OpMonitorP), pid, term.Atom("rex"), ref}, nil},
		{term.Tuple{term.Int(OpExit), pid, pid, term.Atom("killed")}, nil},
		{term.Tuple{term.Int(OpSpawnRequest), ref, pid, pid, term.Tuple{term.Atom("erpc"), term.Atom("execute_call"), term.Int(4)}, term.List{term.Atom("monitor")}}, term.List{ref, term.Atom("erlang"), term.Atom("node"), term.Nil}},
	}
	for _, fragSize := range []int{0, 200} {
		enc := NewEncoder(caps, handshake.Default)
		if fragSize > 0 {
			enc.SetFragmentSize(fragSize)
		}
		var c capture
		for _, s := range seeds {
			var pl []byte
			if s.payload != nil {
				var err error
				if pl, err = EncodePayload(nil, s.payload, caps); err != nil {
					f.Fatal(err)
				}
			}
			if err := enc.Write(&c, s.ctrl, pl, s.payload != nil); err != nil {
				f.Fatal(err)
			}
		}
		for _, p := range c.pkts {
			f.Add(p)
		}
		f.Add(bytes.Join(c.pkts, []byte("\xff\x00\xff")))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder()
		d.MaxMessage = 1 << 20
		d.MaxPending = 4
		for _, pkt := range bytes.Split(in, []byte("\xff\x00\xff")) {
			ctrl, payload, err := d.Decode(pkt)
			if err != nil {
				continue
			}
			if ctrl == nil {
				t.Fatalf("no error and no control term for % x", pkt)
			}
			_, _ = ParseControl(ctrl, payload)
		}
		if len(d.frags) > d.MaxPending {
			t.Fatalf("%d fragmented messages pending, bound is %d", len(d.frags), d.MaxPending)
		}
	})
}
