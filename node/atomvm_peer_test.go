package node

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// atomVMPeer is a scripted peer that behaves like AtomVM on the wire
// (../shared/spec/atomvm-dist.md): it sends AtomVM's fixed flag word and
// creation 1, and fails the test if avmsh ever sends it something AtomVM
// could not take.
type atomVMPeer struct {
	t    *testing.T
	c    carrier.Conn
	name string
}

// allowed are the ETF tags AtomVM decodes (spec §2.7).
var atomVMTags = map[byte]bool{70: true, 97: true, 98: true, 110: true, 100: true, 118: true, 119: true,
	104: true, 105: true, 106: true, 107: true, 108: true, 109: true, 113: true, 116: true, 88: true,
	120: true, 90: true, 112: true}

// atomVMOps are the control operations AtomVM accepts (spec §2.3).
var atomVMOps = map[int]bool{1: true, 6: true, 19: true, 20: true, 22: true, 24: true, 29: true, 35: true, 36: true}

func dialAtomVM(t *testing.T, n *Node, name string) *atomVMPeer {
	t.Helper()
	c, err := (&carrier.TCPDialer{}).Dial(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cfg := handshake.Config{Name: name, Flags: handshake.AtomVMFlags, Creation: 1,
		Cookie: func(string) string { return "c" }, Required: handshake.AtomVMFlags}
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(5*time.Second))
	defer cancel()
	if _, err := handshake.Initiate(ctx, c, cfg, string(n.Name()), nil); err != nil {
		t.Fatalf("AtomVM-like handshake: %v", err)
	}
	if err := c.StartData(); err != nil {
		t.Fatal(err)
	}
	return &atomVMPeer{t: t, c: c, name: name}
}

// next reads packets until a non-tick one and checks it as AtomVM would.
func (a *atomVMPeer) next() (term.Tuple, term.Term) {
	a.t.Helper()
	for {
		_ = a.c.SetReadDeadline(time.Now().Add(erltest.Timeout(5 * time.Second)))
		pkt, err := a.c.ReadPacket()
		if err != nil {
			a.t.Fatalf("AtomVM-like peer read: %v", err)
		}
		if len(pkt) == 0 {
			continue
		}
		if pkt[0] != 112 {
			a.t.Fatalf("AtomVM only takes pass-through packets (112), got type %d", pkt[0])
		}
		checkTags(a.t, pkt[1:])
		ctrl, n, err := etf.Decode(pkt, 1, nil)
		if err != nil {
			a.t.Fatal(err)
		}
		tp := ctrl.(term.Tuple)
		op := int(tp[0].(term.Int))
		if !atomVMOps[op] {
			a.t.Fatalf("avmsh sent control op %d, which kills an AtomVM connection", op)
		}
		var payload term.Term
		if 1+n < len(pkt) {
			payload, _, err = etf.Decode(pkt, 1+n, nil)
			if err != nil {
				a.t.Fatal(err)
			}
		}
		return tp, payload
	}
}

// checkTags walks every term of the packet and fails on a tag AtomVM
// cannot decode.
func checkTags(t *testing.T, b []byte) {
	t.Helper()
	for off := 0; off < len(b); {
		if b[off] != 131 {
			t.Fatalf("expected a version byte at %d", off)
		}
		_, n, err := etf.Decode(b, off, nil)
		if err != nil {
			t.Fatal(err)
		}
		tags, _ := walkTags(b, off+1, nil)
		for _, tag := range tags {
			if !atomVMTags[tag] {
				t.Fatalf("avmsh sent ETF tag %d, which AtomVM cannot decode", tag)
			}
		}
		off += n
	}
}

func (a *atomVMPeer) send(ctrl term.Tuple, payload term.Term) {
	a.t.Helper()
	p, err := etf.MarshalOptions(ctrl, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
	if err != nil {
		a.t.Fatal(err)
	}
	parts := [][]byte{{112}, p}
	if payload != nil {
		q, err := etf.MarshalOptions(payload, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
		if err != nil {
			a.t.Fatal(err)
		}
		parts = append(parts, q)
	}
	if err := a.c.WritePacketParts(parts...); err != nil {
		a.t.Fatal(err)
	}
	_ = a.c.Flush()
}

func TestAtomVMPeerRules(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	avm := dialAtomVM(t, n, "avm@127.0.0.1")
	waitPeer(t, n, "avm@127.0.0.1")
	peer, ok := n.Peer("avm@127.0.0.1")
	if !ok || peer.Kind != KindAtomVM {
		t.Fatalf("peer %+v not recognised as AtomVM", peer)
	}
	rt := n.Runtime()
	me, _ := rt.NewProcess(vm.SpawnOptions{Name: "inbox"})
	defer me.Exit(vm.Normal)
	avmPid := term.NewPid("avm@127.0.0.1", 42, 0, 1)

	// A send to a pid is SEND_SENDER, with a term full of AtomVM-safe tags.
	msg := term.Tuple{term.Atom("hello"), term.Float(1.5), term.Binary{1, 2}, term.List{term.Int(1), term.Int(2)},
		term.Port{Node: n.Name(), ID: 1 << 40, Creation: n.Creation()}, rt.MakeRef(), term.NewMap(term.KV{Key: term.Atom("k"), Value: term.Int(-5)})}
	if err := me.Send(avmPid, msg); err != nil {
		t.Fatal(err)
	}
	ctrl, payload := avm.next()
	if ctrl[0] != term.Int(dist.OpSendSender) || !term.ExactEqual(payload, msg) {
		t.Fatalf("got %v %v", ctrl, payload)
	}
	// A term AtomVM cannot decode is refused on our side, never sent.
	if err := me.Send(avmPid, term.NewBitstring([]byte{0xE0}, 3)); err == nil {
		t.Fatal("a bitstring to AtomVM must be refused")
	}
	if err := rt.ExitSignal(me.Self(), avmPid, term.Atom("kill")); err == nil {
		t.Fatal("exit/2 to AtomVM must be refused")
	}
	// Link exits travel as PAYLOAD_EXIT; unlink as UNLINK_ID.
	child, _ := rt.NewProcess(vm.SpawnOptions{})
	child.Link(avmPid)
	if ctrl, _ := avm.next(); ctrl[0] != term.Int(dist.OpLink) {
		t.Fatalf("link: %v", ctrl)
	}
	child.Unlink(avmPid)
	if ctrl, _ := avm.next(); ctrl[0] != term.Int(dist.OpUnlinkID) {
		t.Fatalf("unlink: %v", ctrl)
	}
	child.Link(avmPid)
	avm.next()
	child.Exit(term.Atom("bye"))
	if ctrl, reason := avm.next(); ctrl[0] != term.Int(dist.OpPayloadExit) || reason != term.Atom("bye") {
		t.Fatalf("exit: %v %v", ctrl, reason)
	}
	// AtomVM's REG_SEND has [] as its unused element (spec §2.5), and it
	// sends with SEND_SENDER; both are accepted.
	avm.send(term.Tuple{term.Int(6), avmPid, term.Nil, term.Atom("inbox")}, term.Atom("via_reg_send"))
	if m := recvMatch(t, me, func(m term.Term) bool { return m == term.Atom("via_reg_send") }); m == nil {
		t.Fatal("no message")
	}
	avm.send(term.Tuple{term.Int(22), avmPid, me.Self()}, term.String("ATOM"))
	if m := recvMatch(t, me, func(m term.Term) bool { return term.ExactEqual(m, term.String("ATOM")) }); m == nil {
		t.Fatal("no message")
	}
	// net_adm:ping-style is_auth from AtomVM gets its answer by SEND_SENDER.
	avm.send(term.Tuple{term.Int(6), avmPid, term.Nil, term.Atom("net_kernel")},
		term.Tuple{term.Atom("$gen_call"), term.Tuple{avmPid, term.Atom("tag")}, term.Tuple{term.Atom("is_auth"), term.Atom("avm@127.0.0.1")}})
	ctrl, payload = avm.next()
	if ctrl[0] != term.Int(dist.OpSendSender) || !term.ExactEqual(payload, term.Tuple{term.Atom("tag"), term.Atom("yes")}) {
		t.Fatalf("is_auth answer: %v %v", ctrl, payload)
	}
	// Monitoring a name on AtomVM without a resolver gives noproc rather
	// than risking the connection (spec §2.3).
	ref, _ := me.Monitor(term.Tuple{term.Atom("maybe_missing"), term.Atom("avm@127.0.0.1")})
	down := recvMatch(t, me, tupleTag("DOWN", 5)).(term.Tuple)
	if down[1] != ref || down[4] != term.Atom("noproc") {
		t.Fatalf("DOWN %v", down)
	}
	// A malformed packet from the peer drops that connection cleanly; the
	// node keeps serving.
	_ = avm.c.WritePacket([]byte{113, 0})
	_ = avm.c.Flush()
	deadline := time.Now().Add(erltest.Timeout(5 * time.Second))
	for time.Now().Before(deadline) {
		if _, ok := n.Peer("avm@127.0.0.1"); !ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := n.Peer("avm@127.0.0.1"); ok {
		t.Fatal("connection kept after a malformed packet")
	}
	dialAtomVM(t, n, "avm2@127.0.0.1")
	waitPeer(t, n, "avm2@127.0.0.1")
}

// waitPeer waits until the node has installed the connection to name (the
// acceptor installs it just after its last handshake message).
func waitPeer(t *testing.T, n *Node, name term.Atom) {
	t.Helper()
	deadline := time.Now().Add(erltest.Timeout(5 * time.Second))
	for time.Now().Before(deadline) {
		if _, ok := n.Peer(name); ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never became a connected peer", name)
}

// walkTags collects the tags of the (valid) term at b[off:] and returns
// where it ends.
func walkTags(b []byte, off int, tags []byte) ([]byte, int) {
	tag := b[off]
	tags = append(tags, tag)
	off++
	u16 := func(o int) int { return int(b[o])<<8 | int(b[o+1]) }
	u32 := func(o int) int { return int(b[o])<<24 | int(b[o+1])<<16 | int(b[o+2])<<8 | int(b[o+3]) }
	switch tag {
	case 70:
		return tags, off + 8
	case 97:
		return tags, off + 1
	case 98:
		return tags, off + 4
	case 110:
		return tags, off + 2 + int(b[off])
	case 111:
		return tags, off + 5 + u32(off)
	case 100, 118:
		return tags, off + 2 + u16(off)
	case 119, 115:
		return tags, off + 1 + int(b[off])
	case 104, 105:
		n, o := int(b[off]), off+1
		if tag == 105 {
			n, o = u32(off), off+4
		}
		for i := 0; i < n; i++ {
			tags, o = walkTags(b, o, tags)
		}
		return tags, o
	case 106:
		return tags, off
	case 107:
		return tags, off + 2 + u16(off)
	case 108:
		n, o := u32(off), off+4
		for i := 0; i <= n; i++ {
			tags, o = walkTags(b, o, tags)
		}
		return tags, o
	case 109:
		return tags, off + 4 + u32(off)
	case 77:
		return tags, off + 5 + u32(off)
	case 113:
		o := off
		for i := 0; i < 3; i++ {
			tags, o = walkTags(b, o, tags)
		}
		return tags, o
	case 116:
		n, o := u32(off), off+4
		for i := 0; i < 2*n; i++ {
			tags, o = walkTags(b, o, tags)
		}
		return tags, o
	case 88, 89, 120:
		tags, o := walkTags(b, off, tags)
		return tags, o + map[byte]int{88: 12, 89: 8, 120: 12}[tag]
	case 90:
		n := u16(off)
		tags, o := walkTags(b, off+2, tags)
		return tags, o + 4 + 4*n
	case 112:
		return tags, off + u32(off)
	}
	return tags, len(b)
}

func TestWalkTagsSeesEveryTag(t *testing.T) {
	b, err := etf.Marshal(term.Tuple{term.NewBitstring([]byte{0xE0}, 3), term.List{term.Atom("a"), term.Float(2)}, term.NewPid("n@h", 1, 2, 3)})
	if err != nil {
		t.Fatal(err)
	}
	tags, end := walkTags(b, 1, nil)
	if end != len(b) {
		t.Fatalf("walk ended at %d of %d", end, len(b))
	}
	want := map[byte]bool{104: true, 77: true, 108: true, 119: true, 70: true, 106: true, 88: true}
	for _, tag := range tags {
		delete(want, tag)
	}
	if len(want) != 0 {
		t.Fatalf("tags %v missed %v", tags, want)
	}
}
