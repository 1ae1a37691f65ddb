package rpc

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
)

// TestCallLinkDroppedBeforeSpawnReply: a peer that takes the call's
// spawn request and drops the connection without replying makes the call
// fail with a *NoConnectionError at once, not with a *TimeoutError when
// its (long) timeout runs out.
func TestCallLinkDroppedBeforeSpawnReply(t *testing.T) {
	n := startNode(t, localnode.Epmd(t), "c")
	c, err := (&carrier.TCPDialer{}).Dial(ctx(t), net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const peer = "dropper@127.0.0.1"
	cfg := handshake.Config{Name: peer, Flags: handshake.Default, Creation: 3,
		Cookie: func(string) string { return "c" }, Required: handshake.Required}
	if _, err := handshake.Initiate(ctx(t), c, cfg, string(n.Name()), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.StartData(); err != nil {
		t.Fatal(err)
	}
	dropped := make(chan error, 1)
	go func() { dropped <- dropOnSpawnRequest(c) }()
	for deadline := time.Now().Add(erltest.Timeout(10 * time.Second)); ; {
		if _, ok := n.Peer(peer); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scripted peer never became connected")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err = Call(context.Background(), n, peer, "erlang", "node", nil, Options{Timeout: erltest.Timeout(10 * time.Minute)})
	var nc *NoConnectionError
	if !errors.As(err, &nc) {
		t.Fatalf("call over a dropped link: %v (%T), want a *NoConnectionError", err, err)
	}
	if err := <-dropped; err != nil {
		t.Fatal(err)
	}
}

// dropOnSpawnRequest reads until a SPAWN_REQUEST arrives, then closes.
func dropOnSpawnRequest(c carrier.Conn) error {
	defer c.Close()
	dec := dist.NewDecoder()
	_ = c.SetReadDeadline(time.Now().Add(erltest.Timeout(30 * time.Second)))
	for {
		pkt, err := c.ReadPacket()
		if err != nil {
			return err
		}
		if len(pkt) == 0 {
			continue
		}
		ctrl, payload, err := dec.Decode(pkt)
		if err != nil {
			return err
		}
		s, err := dist.ParseControl(ctrl, payload)
		if err != nil {
			return err
		}
		if s.Kind == dist.KindSpawnRequest {
			return nil
		}
	}
}
