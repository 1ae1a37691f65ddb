package stdlib_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/node/stdlib"
)

// buffer is a goroutine-safe output sink that hands out what it got.
type buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.b.String()
	b.b.Reset()
	return s
}

// TestAgainstOTP runs testdata/stdlib.txt through a real OTP erl shell
// and through avmsh's shell targeting its own node (whose lists, maps,
// io, ... are this package): every printed value, io output and
// exception must be identical.
func TestAgainstOTP(t *testing.T) {
	cmds := erltest.LoadShellCommands(t, "testdata/stdlib.txt")
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(60*time.Second))
	defer cancel()
	want, err := erltest.RunShell(ctx, cmds)
	if err != nil {
		t.Fatalf("reference erl shell: %v", err)
	}
	n, err := node.Start(ctx, node.Config{
		Name: erltest.RandomName("stdlib") + "@127.0.0.1", Cookie: "c", ListenAddr: "-",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, "test")
	stdlib.Register(reg)
	var out buffer
	srv, err := gl.Start(n.Runtime(), gl.Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	glPid := srv.Pid()
	s, h, err := shellhost.NewSession(n, n.Name(), shellhost.Options{GroupLeader: &glPid, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if len(want) != len(cmds) || !strings.Contains(want[0], "[3,2,1]") {
		t.Fatalf("reference shell output looks wrong: %d outputs for %d commands, first %q", len(want), len(cmds), want[0])
	}
	for i, c := range cmds {
		got, err := s.Eval(ctx, erltest.Latin1Decode(c)+"\n")
		if err != nil {
			t.Fatalf("command %d %q: %v", i+1, c, err)
		}
		got = out.take() + got
		if g, w := erltest.NormaliseShell(erltest.Latin1(got)), erltest.NormaliseShell(want[i]); g != w {
			t.Errorf("command %d: %s\n--- erl shell:\n%s--- avmsh's node:\n%s", i+1, c, w, g)
		}
		if testing.Verbose() {
			t.Logf("%s => %q", c, got)
		}
	}
}

// TestSleepInterrupted: cancelling the evaluation (the shell's Ctrl-C)
// ends a local timer:sleep at once and ends the evaluation.
func TestSleepInterrupted(t *testing.T) {
	n, err := node.Start(context.Background(), node.Config{
		Name: erltest.RandomName("stdlib") + "@127.0.0.1", Cookie: "c", ListenAddr: "-",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	reg := rpc.NewRegistry()
	stdlib.Register(reg)
	s, h, err := shellhost.NewSession(n, n.Name(), shellhost.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() { _, err := s.Eval(ctx, "timer:sleep(60000).\n"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Eval after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(erltest.Timeout(10 * time.Second)):
		t.Fatal("timer:sleep(60000) was not interrupted")
	}
}
