package localnode

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
)

// Start starts the node; each mod may change the configuration first.
// Debug logs go to stderr when AVMSH_TEST_LOG is set.
func Start(tb testing.TB, epmdPort int, cookie string, mods ...func(*node.Config)) *node.Node {
	tb.Helper()
	cfg := node.Config{
		Name:       erltest.RandomName("avmsh") + "@127.0.0.1",
		Cookie:     cookie,
		ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: epmdPort},
		Logger:     Logger(),
	}
	for _, m := range mods {
		m(&cfg)
	}
	n, err := node.Start(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("start the avmsh node %s: %v", cfg.Name, err)
	}
	tb.Cleanup(n.Stop)
	return n
}

// Epmd runs avmsh's own port mapper on a free loopback port for a test
// that has no erl peer (and so no OTP epmd), stopped when the test ends;
// it returns the port. A test never registers in the machine's epmd on
// 4369: CI has none, and a developer's would see the test's names.
func Epmd(tb testing.TB) int {
	tb.Helper()
	port, err := erltest.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	srv := epmd.NewServer(epmd.Config{Port: port, LoopbackOnly: true})
	if err := srv.Listen(); err != nil {
		tb.Fatalf("start a private epmd on port %d: %v", port, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	tb.Cleanup(sync.OnceFunc(func() { cancel(); <-served }))
	return port
}

// For starts the node next to e: its epmd, its cookie.
func For(tb testing.TB, e *erltest.Node, mods ...func(*node.Config)) *node.Node {
	tb.Helper()
	return Start(tb, e.EpmdPort, e.Cookie, mods...)
}

// Logger discards logs unless AVMSH_TEST_LOG is set (then debug logs go
// to stderr).
func Logger() *slog.Logger {
	if os.Getenv("AVMSH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
