//go:build !windows

package serialnode_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/vm/term"
)

func start(t *testing.T, name string, listen ...string) *serialnode.Node {
	t.Helper()
	n, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: name, Cookie: "LoanTest", ListenAddr: "-", Logger: slog.New(slog.DiscardHandler)},
		Listen: listen,
		Port:   serialdist.PortConfig{MinBurst: -1, Holder: name},
	})
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(n.Stop)
	return n
}

func connected(n *serialnode.Node, peer term.Atom) bool {
	for _, pi := range n.Nodes() {
		if pi.Node == peer {
			return true
		}
	}
	return false
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A node connected to a board over a port lends the port to a flasher;
// when the port comes back and the board's new application starts
// serial distribution, the node dials it again by itself.
func TestRedialAfterLoan(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	hostEnd, boardEnd := serialtest.SocatPair(t)
	board := start(t, "board@serial.local", "serial:"+boardEnd)
	hub := start(t, "hub@serial.local")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := hub.Dial(ctx, "serial:"+hostEnd); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "hub connected to board", func() bool { return connected(hub, "board@serial.local") })

	loan, err := serialdist.Borrow(ctx, hostEnd, "avmsh flash (test)")
	if err != nil {
		t.Fatal(err)
	}
	if loan.Holder != "hub@serial.local" {
		t.Errorf("lent by %q", loan.Holder)
	}
	waitUntil(t, "the link to drop", func() bool { return !connected(hub, "board@serial.local") })
	// "Flashing": the old application stops, a new one starts.
	board.Stop()
	start(t, "newapp@serial.local", "serial:"+boardEnd)
	loan.Return()
	waitUntil(t, "the hub to redial the new application", func() bool { return connected(hub, "newapp@serial.local") })
}

// A node stopped while its port comes back from a loan (the command
// that borrowed it is done and exits) starts no redial behind Stop's
// back: the transport may run its reopen hook during Stop (checked
// under -race).
func TestStopWhilePortComesBack(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	for range 10 {
		hostEnd, boardEnd := serialtest.SocatPair(t)
		start(t, "board@serial.local", "serial:"+boardEnd)
		hub, err := serialnode.Start(context.Background(), serialnode.Config{
			Node: node.Config{Name: "hub@serial.local", Cookie: "LoanTest", ListenAddr: "-", Logger: slog.New(slog.DiscardHandler)},
			Port: serialdist.PortConfig{MinBurst: -1, Holder: "hub@serial.local"},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if _, err := hub.Dial(ctx, "serial:"+hostEnd); err != nil {
			t.Fatal(err)
		}
		loan, err := serialdist.Borrow(ctx, hostEnd, "avmsh load --persist (test)")
		if err != nil {
			t.Fatal(err)
		}
		loan.Return()
		hub.Stop()
		cancel()
	}
}
