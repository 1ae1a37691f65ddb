package erlang_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/vm/term"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func start(t *testing.T, cfg erlang.Config) *erlang.Node {
	t.Helper()
	n, err := erlang.Start(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n
}

// With no cookie the node reads ~/.erlang.cookie as erl does: it creates
// one, and refuses one others may read.
func TestCookieFromHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	n := start(t, erlang.Config{})
	if !strings.HasPrefix(string(n.Name()), "avmsh_") {
		t.Errorf("default name %s", n.Name())
	}
	st, err := os.Stat(filepath.Join(home, ".erlang.cookie"))
	if err != nil || st.Mode().Perm() != 0o400 {
		t.Fatalf("cookie file: %v %v", st, err)
	}
	// The peer's cookie in the file: calls work.
	path := filepath.Join(home, ".erlang.cookie")
	os.Chmod(path, 0o600)
	if err := os.WriteFile(path, []byte(cookie+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n = start(t, erlang.Config{Name: "filecookie@127.0.0.1"})
	if v, err := n.Call(testCtx(t), term.Atom(peer), "erlang", "node"); err != nil || v != term.Atom(peer) {
		t.Fatalf("call with the file's cookie: %v %v", v, err)
	}
	os.Chmod(path, 0o644)
	if _, err := erlang.Start(testCtx(t), erlang.Config{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a cookie file others may read: %v", err)
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := erlang.Start(testCtx(t), erlang.Config{Name: "bad name", Cookie: "c"}); err == nil {
		t.Fatal("a name with a space started")
	}
	if _, err := erlang.Start(testCtx(t), erlang.Config{Cookie: "c", Serial: []string{"serial:"}}); err == nil {
		t.Fatal("an empty serial address started")
	}
	if _, err := erlang.Start(testCtx(t), erlang.Config{Cookie: "c", TLS: &erlang.TLS{CertFile: "/nonexistent.pem"}}); err == nil {
		t.Fatal("a missing certificate started")
	}
}

// Errors tell unreachable nodes, timeouts and exceptions apart, and
// keep the underlying cause (epmd's answer).
func TestCallErrors(t *testing.T) {
	n := start(t, erlang.Config{Name: "errs@127.0.0.1", Cookie: cookie})
	ctx := testCtx(t)
	_, err := n.Call(ctx, "nobody@127.0.0.1", "erlang", "node")
	if !errors.Is(err, erlang.ErrNoConnection) || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("unregistered node: %v", err)
	}
	if err := n.Connect(ctx, "nobody@127.0.0.1"); !errors.Is(err, erlang.ErrNoConnection) {
		t.Fatalf("connect to an unregistered node: %v", err)
	}
	bad := start(t, erlang.Config{Name: "badcookie@127.0.0.1", Cookie: "wrong"})
	if err := bad.Connect(ctx, term.Atom(peer)); !errors.Is(err, erlang.ErrNoConnection) {
		t.Fatalf("wrong cookie: %v", err)
	}
	_, err = n.Call(ctx, term.Atom(peer), "erlang", "exit", term.Atom("bye"))
	var e *erlang.Exception
	if !errors.As(err, &e) || e.Class != "exit" || e.Reason != term.Atom("bye") || e.Module != "erlang" || e.Function != "exit" || e.Arity != 1 || e.Node != term.Atom(peer) {
		t.Fatalf("exit: %#v", err)
	}
	_, err = n.Call(ctx, term.Atom(peer), "no_such_module", "f")
	if !errors.As(err, &e) || e.Class != "error" || e.Reason != term.Atom("undef") || e.Stack == nil {
		t.Fatalf("undef: %#v", err)
	}
	if _, err := n.Call(ctx, "serial:ttyUSB0", "erlang", "node"); err == nil || !strings.Contains(err.Error(), "ConnectSerial") {
		t.Fatalf("serial name to Call: %v", err)
	}
}

// Cast, Node.Send and a Func's plain Go error.
func TestCastSendAndGoErrors(t *testing.T) {
	n := start(t, erlang.Config{Name: "caster@127.0.0.1", Cookie: cookie})
	ctx := testCtx(t)
	inbox, err := n.NewProcess(erlang.ProcessOptions{Name: "inbox"})
	if err != nil {
		t.Fatal(err)
	}
	defer inbox.Close()
	if _, err := n.NewProcess(erlang.ProcessOptions{Name: "inbox"}); err == nil {
		t.Fatal("a second process registered under one name")
	}
	to := term.Tuple{term.Atom("inbox"), n.Name()}
	if err := n.Cast(ctx, term.Atom(peer), "erlang", "send", to, term.Atom("cast")); err != nil {
		t.Fatal(err)
	}
	if m, err := inbox.Receive(ctx); err != nil || m != term.Atom("cast") {
		t.Fatalf("cast: %v %v", m, err)
	}
	// Node.Send to the peer's echo server; the answer comes to inbox.
	if err := n.Send(term.Tuple{term.Atom("echo"), term.Atom(peer)}, term.Tuple{inbox.Pid(), term.Int(7)}); err != nil {
		t.Fatal(err)
	}
	if m, err := inbox.Receive(ctx); err != nil || erlang.Format(m) != "{echo,7}" {
		t.Fatalf("echo: %v %v", m, err)
	}
	if err := n.Send(term.Atom("nobody_here"), term.Atom("x")); err == nil {
		t.Fatal("send to an unregistered local name")
	}
	var e *erlang.Exception
	n.Register("gofail", "f", 0, func(context.Context, erlang.Caller, []term.Term) (term.Term, error) {
		return nil, errors.New("disk full")
	})
	_, err = n.Call(ctx, term.Atom(peer), "erpc", "call", n.Name(), term.Atom("gofail"), term.Atom("f"), term.Nil)
	if !errors.As(err, &e) || !strings.Contains(erlang.Format(e.Reason), `{avmsh_error,<<"disk full">>}`) {
		t.Fatalf("Go error through erpc: %v", err)
	}
	// The caller is the peer's process, its group leader the peer's.
	got := make(chan erlang.Caller, 1)
	n.Register("gocaller", "who", 0, func(_ context.Context, c erlang.Caller, _ []term.Term) (term.Term, error) {
		got <- c
		return term.Atom("ok"), nil
	})
	if _, err := n.Call(ctx, term.Atom(peer), "erpc", "call", n.Name(), term.Atom("gocaller"), term.Atom("who"), term.Nil); err != nil {
		t.Fatal(err)
	}
	if c := <-got; c.Pid.Node != term.Atom(peer) || c.GroupLeader == (term.Pid{}) {
		t.Fatalf("caller %+v", c)
	}
}

// A linked process that dies takes a Go process with it; Receive then
// says so, and the reason is kept.
func TestProcessExit(t *testing.T) {
	n := start(t, erlang.Config{Name: "linker@127.0.0.1", Cookie: cookie})
	ctx := testCtx(t)
	p, err := n.NewProcess(erlang.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := n.Call(ctx, term.Atom(peer), "erlang", "spawn", term.Atom("timer"), term.Atom("sleep"), term.List{term.Atom("infinity")})
	if err != nil {
		t.Fatal(err)
	}
	p.Link(pid.(term.Pid))
	if _, err := n.Call(ctx, term.Atom(peer), "erlang", "exit", pid, term.Atom("crash")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Receive(ctx); !errors.Is(err, erlang.ErrExited) {
		t.Fatalf("receive in a killed process: %v", err)
	}
	<-p.Done()
	if p.ExitReason() != term.Atom("crash") {
		t.Fatalf("reason %v", p.ExitReason())
	}
	// Trapping exits, the signal is a message.
	q, _ := n.NewProcess(erlang.ProcessOptions{TrapExit: true})
	defer q.Close()
	pid, _ = n.Call(ctx, term.Atom(peer), "erlang", "spawn", term.Atom("timer"), term.Atom("sleep"), term.List{term.Atom("infinity")})
	q.Link(pid.(term.Pid))
	n.Call(ctx, term.Atom(peer), "erlang", "exit", pid, term.Atom("crash"))
	if m, err := q.Receive(ctx); err != nil || erlang.Format(m) != "{'EXIT',"+erlang.Format(pid)+",crash}" {
		t.Fatalf("trapped exit: %v %v", m, err)
	}
}

// NodeEvents closes its channel when the context ends or the node stops.
func TestNodeEventsEnd(t *testing.T) {
	n, err := erlang.Start(testCtx(t), erlang.Config{Cookie: cookie})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := n.NodeEvents(ctx)
	b := n.NodeEvents(context.Background())
	cancel()
	for range a {
	}
	n.Stop()
	for range b {
	}
	<-n.Done()
}
