//go:build !windows

package codeload

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/node/serialnode/bridge"
	"github.com/avmsh/avmsh/vm/term"
)

// SerialErl puts the erl node e on a socat pty pair through a bridge
// (node/serialnode/bridge) and returns a local node connected to it over
// the serial line, as avmsh connects to a board on /dev/ttyUSB0.
func SerialErl(t testing.TB, e *erltest.Node) *serialnode.Node {
	t.Helper()
	pa, pb := serialtest.SocatPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	alive, host, _ := strings.Cut(e.Name, "@")
	port, err := (&epmd.PortMapper{Port: e.EpmdPort}).Lookup(ctx, host, alive)
	if err != nil {
		t.Fatal(err)
	}
	bp, err := serialdist.OpenAddress("serial:"+pb, serialdist.PortConfig{MinBurst: -1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bridge.Serve(ctx, bp, func(ctx context.Context) (carrier.Conn, error) {
			return (&carrier.TCPDialer{}).Dial(ctx, fmt.Sprintf("127.0.0.1:%d", port))
		})
	}()
	t.Cleanup(func() { cancel(); bp.Close(); <-done })
	n, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: erltest.RandomName("avmsh") + "@serial.local", Cookie: e.Cookie, ListenAddr: "-", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Listen: []string{"serial:" + pa},
		Port:   serialdist.PortConfig{MinBurst: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	dctx, dcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer dcancel()
	name, err := n.Dial(dctx, "serial:"+pa)
	if err != nil {
		t.Fatalf("dial erl over serial: %v", err)
	}
	if string(name) != e.Name {
		t.Fatalf("serial peer is %s, want %s", name, e.Name)
	}
	return n
}

// TestLoadOverSerial loads a new and then a changed module into a real
// erl node over a serial line; the new code answers over the same line.
func TestLoadOverSerial(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := SerialErl(t, e)
	ctx := testCtx(t)
	target := term.Atom(e.Name)
	l := NewLoader(n.Node, Options{Timeout: 30 * time.Second})
	dir := t.TempDir()
	for v := 1; v <= 2; v++ {
		r := one(t, l.Load(ctx, target, prepare(t, compile(t, dir, "greeter", greeter(v)))))
		if r.Status != Loaded {
			t.Fatalf("version %d over serial: %+v", v, r)
		}
		if got := callInt(t, ctx, n.Node, target, "greeter", "version"); got != term.Int(v) {
			t.Fatalf("version %d over serial answers %v", v, got)
		}
	}
	tg, _ := l.Probe(ctx, target)
	if tg.Transport != "serial" {
		t.Errorf("transport %q", tg.Transport)
	}
	// Over serial the module travels gzip-compressed.
	mods := prepare(t, filepath.Join("testdata", "hello.beam"))
	r := one(t, l.Load(ctx, target, mods))
	if r.Status != Loaded || r.Bytes >= len(mods[0].File.Raw) {
		t.Fatalf("hello over serial: %+v (raw %d)", r, len(mods[0].File.Raw))
	}
}
