package codeload

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/vm/term"
)

// TestLoadOverTLS loads a module, then a changed version, into a real erl
// node that runs TLS distribution (-proto_dist inet_tls, verify_peer both
// ways), and checks the new code answers.
func TestLoadOverTLS(t *testing.T) {
	pki := erltest.NewTLS(t)
	e := erltest.Start(t, erltest.Options{Args: pki.Args()})
	n, err := node.Start(context.Background(), node.Config{
		Name:       erltest.RandomName("avmsh") + "@127.0.0.1",
		Cookie:     e.Cookie,
		ListenAddr: "127.0.0.1:0",
		TLS:        &carrier.TLSFiles{CertFile: pki.CertFile, KeyFile: pki.KeyFile, CAFile: pki.CAFile},
		PortMapper: &epmd.PortMapper{Port: e.EpmdPort},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	ctx := testCtx(t)
	target := term.Atom(e.Name)
	l := NewLoader(n, Options{})
	dir := t.TempDir()
	for v := 1; v <= 2; v++ {
		r := one(t, l.Load(ctx, target, prepare(t, compile(t, dir, "greeter", greeter(v)))))
		if r.Status != Loaded {
			t.Fatalf("version %d over TLS: %+v\nerl: %s", v, r, e.Output())
		}
		if got := callInt(t, ctx, n, target, "greeter", "version"); got != term.Int(v) {
			t.Fatalf("after loading version %d, greeter:version() = %v", v, got)
		}
	}
	tg, _ := l.Probe(ctx, target)
	if p, ok := n.Peer(target); !ok || p.Transport != "tls" || tg.Transport != "tls" {
		t.Fatalf("not over TLS: peer %+v, target %+v", p, tg)
	}
}
