package node

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

func testLogger() *slog.Logger {
	if os.Getenv("AVMSH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startNode starts an avmsh node registered in the epmd on epmdPort.
func startNode(t testing.TB, epmdPort int, cookie string, mod func(*Config)) *Node {
	t.Helper()
	cfg := Config{
		Name:       erltest.RandomName("avmsh") + "@127.0.0.1",
		Cookie:     cookie,
		ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: epmdPort},
		Logger:     testLogger(),
	}
	if mod != nil {
		mod(&cfg)
	}
	n, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(n.Stop)
	return n
}

// interop starts an erl node and an avmsh node sharing a private epmd
// and a cookie.
func interop(t testing.TB, mod func(*Config)) (*erltest.Node, *Node) {
	t.Helper()
	e := erltest.Start(t, erltest.Options{})
	n := startNode(t, e.EpmdPort, e.Cookie, mod)
	return e, n
}

// erlAfter is the timeout, in milliseconds, of a receive in an
// expression a test evaluates on erl: 5 s scaled for -race and load, and
// below the 30 s erltest gives a whole evaluation.
func erlAfter() string {
	return strconv.FormatInt(min(erltest.Timeout(5*time.Second), 25*time.Second).Milliseconds(), 10)
}

// waitEval polls expr on the erl node until it prints want.
func waitEval(t testing.TB, e *erltest.Node, expr, want string) {
	t.Helper()
	deadline := time.Now().Add(erltest.Timeout(10 * time.Second))
	for {
		got := e.Eval(t, expr)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s is %s, want %s", expr, e.Name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(20*time.Second))
	t.Cleanup(cancel)
	return ctx
}

func recvMatch(t testing.TB, p *vm.Process, match func(term.Term) bool) term.Term {
	t.Helper()
	m, err := p.Receive(context.Background(), match, erltest.Timeout(10*time.Second))
	if err != nil {
		t.Fatalf("receive: %v (mailbox: %v)", err, p.Messages())
	}
	return m
}

func tupleTag(tag string, n int) func(term.Term) bool {
	return func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) == n && t[0] == term.Atom(tag)
	}
}
