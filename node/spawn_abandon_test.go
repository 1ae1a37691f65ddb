package node

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// scriptedBEAM is a peer with BEAM's flags whose every packet the test
// reads and writes itself.
type scriptedBEAM struct {
	t    *testing.T
	c    carrier.Conn
	dec  *dist.Decoder
	enc  *dist.Encoder
	caps dist.Caps
}

func dialScriptedBEAM(t *testing.T, n *Node, name string) *scriptedBEAM {
	t.Helper()
	c, err := (&carrier.TCPDialer{}).Dial(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cfg := handshake.Config{Name: name, Flags: handshake.Default, Creation: 7,
		Cookie: func(string) string { return "c" }, Required: handshake.Required}
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(5*time.Second))
	defer cancel()
	hp, err := handshake.Initiate(ctx, c, cfg, string(n.Name()), nil)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if err := c.StartData(); err != nil {
		t.Fatal(err)
	}
	waitPeer(t, n, term.Atom(name))
	caps := dist.CapsFor(hp.Flags)
	return &scriptedBEAM{t: t, c: c, dec: dist.NewDecoder(), enc: dist.NewEncoder(caps, handshake.Default&hp.Flags), caps: caps}
}

// next reads signals until one of kind arrives.
func (b *scriptedBEAM) next(kind dist.Kind) dist.Signal {
	b.t.Helper()
	for {
		_ = b.c.SetReadDeadline(time.Now().Add(erltest.Timeout(10 * time.Second)))
		pkt, err := b.c.ReadPacket()
		if err != nil {
			b.t.Fatalf("scripted peer read: %v", err)
		}
		if len(pkt) == 0 {
			continue
		}
		ctrl, payload, err := b.dec.Decode(pkt)
		if errors.Is(err, dist.ErrIncomplete) {
			continue
		}
		if err != nil {
			b.t.Fatal(err)
		}
		s, err := dist.ParseControl(ctrl, payload)
		if err != nil {
			b.t.Fatal(err)
		}
		if s.Kind == kind {
			return s
		}
	}
}

func (b *scriptedBEAM) send(s dist.Signal) {
	b.t.Helper()
	ctrl, payload, has, err := dist.Build(s, b.caps)
	if err != nil {
		b.t.Fatal(err)
	}
	var enc []byte
	if has {
		if enc, err = dist.EncodePayload(nil, payload, b.caps); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := b.enc.Write(b.c, ctrl, enc, has); err != nil {
		b.t.Fatal(err)
	}
	if err := b.c.Flush(); err != nil {
		b.t.Fatal(err)
	}
}

// TestAbandonedSpawnIsEnded: a spawn request given up before its reply
// came (an erpc call that timed out or was cancelled while the reply was
// on its way) gets its process killed when the reply arrives, and the
// reply is not delivered. Without this a cancelled `avmsh shell` call
// kept running on the target (a loaded -race run of shellhost's TestHost
// found it).
func TestAbandonedSpawnIsEnded(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	peer := dialScriptedBEAM(t, n, "beam@127.0.0.1")
	p, err := n.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Exit(vm.Normal)
	reqID, err := n.SpawnRequest(p, "beam@127.0.0.1", "timer", "sleep", []term.Term{term.Int(60000)}, SpawnOptions{Monitor: true})
	if err != nil {
		t.Fatal(err)
	}
	req := peer.next(dist.KindSpawnRequest)
	if req.ReqID != reqID {
		t.Fatalf("spawn request %v, want %v", req.ReqID, reqID)
	}
	n.AbandonSpawn(reqID)
	child := term.Pid{Node: "beam@127.0.0.1", ID: 99, Creation: 7}
	peer.send(dist.Signal{Kind: dist.KindSpawnReply, ReqID: reqID, To: p.Self(), SpawnFlags: dist.SpawnFlagMonitor, Result: child})
	exit := peer.next(dist.KindExit2)
	if exit.To != child || exit.Reason != term.Atom("abandoned") {
		t.Fatalf("exit signal %+v, want abandoned to %v", exit, child)
	}
	if msgs := p.Messages(); len(msgs) != 0 {
		t.Fatalf("the abandoned reply reached the requester: %v", msgs)
	}
}
