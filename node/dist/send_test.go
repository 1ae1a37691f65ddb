package dist

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// TestWriteSendSameAsWrite: WriteSend writes byte for byte what Write
// writes for SendCtrl, message after message, also when other packets
// change the atom cache in between (including slots WriteSend's
// remembered header refers to) and for every kind of peer.
func TestWriteSendSameAsWrite(t *testing.T) {
	for _, flags := range []handshake.Flags{handshake.Default, handshake.Default &^ handshake.SendSender, handshake.AtomVMFlags} {
		t.Run(fmt.Sprint(flags.IsAtomVM(), flags.Has(handshake.SendSender)), func(t *testing.T) {
			caps := CapsFor(flags)
			fast, slow := NewEncoder(caps, flags), NewEncoder(caps, flags)
			fast.SetFragmentSize(4096)
			slow.SetFragmentSize(4096)
			dec := NewDecoder()
			from := term.NewPid("a@h", 1, 0, 1)
			to := term.NewPid("b@h", 2, 0, 2)
			other := term.NewPid("c@h", 3, 0, 3)
			for i := 0; i < 40; i++ {
				var fc, sc capture
				switch {
				case i%7 == 3:
					// Another packet with other atoms, sent on both.
					ctrl := term.Tuple{term.Int(OpRegSend), other, term.Atom(""), term.Atom(fmt.Sprintf("name%d", i))}
					if err := fast.Write(&fc, ctrl, nil, false); err != nil {
						t.Fatal(err)
					}
					if err := slow.Write(&sc, ctrl, nil, false); err != nil {
						t.Fatal(err)
					}
				default:
					f, tt := from, to
					if i%5 == 4 {
						f = other // a different sender
					}
					size := 10
					if i%11 == 10 {
						size = 9000 // fragmented
					}
					payload, err := EncodePayload(nil, term.Tuple{term.Atom("m"), term.Int(i), term.Binary(bytes.Repeat([]byte{'x'}, size))}, caps)
					if err != nil {
						t.Fatal(err)
					}
					if err := fast.WriteSend(&fc, f, tt, payload); err != nil {
						t.Fatal(err)
					}
					if err := slow.Write(&sc, SendCtrl(f, tt, caps), payload, true); err != nil {
						t.Fatal(err)
					}
				}
				if len(fc.pkts) != len(sc.pkts) {
					t.Fatalf("packet %d: %d packets, want %d", i, len(fc.pkts), len(sc.pkts))
				}
				for j := range fc.pkts {
					if !bytes.Equal(fc.pkts[j], sc.pkts[j]) {
						t.Fatalf("packet %d.%d differs:\n%v\n%v", i, j, fc.pkts[j], sc.pkts[j])
					}
					if _, _, err := dec.Decode(fc.pkts[j]); err != nil && err != ErrIncomplete {
						t.Fatalf("packet %d.%d: %v", i, j, err)
					}
				}
			}
			if fast.header && !fast.last.ok {
				t.Fatal("WriteSend never reused a control message")
			}
		})
	}
}
