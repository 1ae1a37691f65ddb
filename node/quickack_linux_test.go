package node

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// nagleDial connects a scripted peer with the given flags to n over a
// socket that leaves Nagle's algorithm on, as AtomVM's socket_dist does.
func nagleDial(tb testing.TB, n *Node, name string, flags handshake.Flags) carrier.Conn {
	tb.Helper()
	nc, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort())))
	if err != nil {
		tb.Fatal(err)
	}
	if err := nc.(*net.TCPConn).SetNoDelay(false); err != nil {
		tb.Fatal(err)
	}
	c := carrier.NewStreamConn(nc, "tcp", 0)
	tb.Cleanup(func() { c.Close() })
	cfg := handshake.Config{Name: name, Flags: flags, Creation: 1,
		Cookie: func(string) string { return "c" }, Required: handshake.AtomVMFlags}
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(5*time.Second))
	defer cancel()
	if _, err := handshake.Initiate(ctx, c, cfg, string(n.Name()), nil); err != nil {
		tb.Fatalf("handshake: %v", err)
	}
	if err := c.StartData(); err != nil {
		tb.Fatal(err)
	}
	return c
}

// passThrough writes one pass-through packet (AtomVM's only kind), in a
// write of its own.
func passThrough(tb testing.TB, c carrier.Conn, ctrl, payload term.Term) {
	tb.Helper()
	parts := [][]byte{{112}}
	for _, t := range []term.Term{ctrl, payload} {
		b, err := etf.MarshalOptions(t, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
		if err != nil {
			tb.Fatal(err)
		}
		parts = append(parts, b)
	}
	if err := c.WritePacketParts(parts...); err != nil {
		tb.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		tb.Fatal(err)
	}
}

// nodeStream returns the node's own end of its connection to name.
func nodeStream(tb testing.TB, n *Node, name term.Atom) *carrier.StreamConn {
	tb.Helper()
	waitPeer(tb.(*testing.T), n, name)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.peers[name].conn.c.(*carrier.StreamConn)
}

// TestQuickAckOnlyForAtomVM: the node forces the ACK of every read on a
// connection to AtomVM (which leaves Nagle on and writes a spawn_reply
// and the DOWN with the result as two packets), and not on a connection
// to a BEAM-like peer, where it would be a syscall per read for nothing.
func TestQuickAckOnlyForAtomVM(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	inbox, _ := n.Runtime().NewProcess(vm.SpawnOptions{Name: "inbox"})
	defer inbox.Exit(vm.Normal)
	for _, tc := range []struct {
		name  string
		flags handshake.Flags
		want  bool
	}{
		{"avm@127.0.0.1", handshake.AtomVMFlags, true},
		{"beam@127.0.0.1", handshake.Default, false},
	} {
		c := nagleDial(t, n, tc.name, tc.flags)
		ours := nodeStream(t, n, term.Atom(tc.name))
		before := ours.QuickAcks()
		from := term.NewPid(term.Atom(tc.name), 42, 0, 1)
		for i := range 2 {
			passThrough(t, c, term.Tuple{term.Int(6), from, term.Nil, term.Atom("inbox")}, term.Int(i))
		}
		for i := range 2 {
			if m := recvMatch(t, inbox, nil); m != term.Int(i) {
				t.Fatalf("%s: got %v, want %d", tc.name, m, i)
			}
		}
		if got := ours.QuickAcks() > before; got != tc.want {
			t.Errorf("%s: reads acknowledged at once: %v, want %v (%d forced ACKs)", tc.name, got, tc.want, ours.QuickAcks()-before)
		}
	}
}

// BenchmarkAtomVMNagleSpawnCall measures a spawn request answered the way
// AtomVM answers an erpc call — SPAWN_REPLY, then the DOWN carrying the
// result, each packet in its own write on a socket with Nagle on — with
// the node's forced ACKs and without them (each call then waits for the
// delayed-ACK timer).
func BenchmarkAtomVMNagleSpawnCall(b *testing.B) {
	for _, on := range []bool{true, false} {
		b.Run("quickack="+strconv.FormatBool(on), func(b *testing.B) {
			n := startNode(b, 0, "c", func(c *Config) { c.PortMapper = nil })
			name := term.Atom("avm" + strconv.FormatBool(on) + "@127.0.0.1")
			c := nagleDial(b, n, string(name), handshake.AtomVMFlags)
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, ok := n.Peer(name); ok {
					break
				}
				if time.Now().After(deadline) {
					b.Fatal("no connection")
				}
				time.Sleep(time.Millisecond)
			}
			n.mu.Lock()
			n.peers[name].conn.c.(carrier.QuickAcker).SetQuickAck(on)
			n.mu.Unlock()
			go answerSpawns(c, name)
			p, _ := n.Runtime().NewProcess(vm.SpawnOptions{})
			defer p.Exit(vm.Normal)
			call := func() {
				ref, err := n.SpawnRequest(p, name, "erpc", "execute_call", []term.Term{term.Atom("x")}, SpawnOptions{Monitor: true})
				if err != nil {
					b.Fatal(err)
				}
				for _, tag := range []string{"spawn_reply", "DOWN"} {
					_, err := p.Receive(context.Background(), func(m term.Term) bool {
						t, ok := m.(term.Tuple)
						return ok && t[0] == term.Atom(tag) && t[1] == ref
					}, time.Minute)
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			for range 20 {
				call()
			}
			b.ResetTimer()
			for range b.N {
				call()
			}
		})
	}
}

// answerSpawns answers every SPAWN_REQUEST as AtomVM does, with two
// packets in two writes, until the connection closes.
func answerSpawns(c carrier.Conn, name term.Atom) {
	id := uint32(100)
	for {
		pkt, err := c.ReadPacket()
		if err != nil {
			return
		}
		if len(pkt) < 2 || pkt[0] != 112 {
			continue
		}
		ctrl, _, err := etf.Decode(pkt, 1, nil)
		tp, ok := ctrl.(term.Tuple)
		if err != nil || !ok || len(tp) < 3 || tp[0] != term.Int(29) {
			continue
		}
		id++
		pid := term.NewPid(name, id, 0, 1)
		reqID, from := tp[1], tp[2]
		for _, out := range [][2]term.Term{
			{term.Tuple{term.Int(31), reqID, from, term.Int(2), pid}, nil},
			{term.Tuple{term.Int(28), pid, from, reqID}, term.Atom("normal")},
		} {
			parts := [][]byte{{112}}
			for _, t := range out {
				if t == nil {
					continue
				}
				b, _ := etf.MarshalOptions(t, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
				parts = append(parts, b)
			}
			if c.WritePacketParts(parts...) != nil || c.Flush() != nil {
				return
			}
		}
	}
}
