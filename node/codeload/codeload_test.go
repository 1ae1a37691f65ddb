package codeload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testCtx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return c
}

func startNode(t testing.TB, epmdPort int, cookie string) *node.Node {
	t.Helper()
	n, err := node.Start(context.Background(), node.Config{
		Name:       erltest.RandomName("avmsh") + "@127.0.0.1",
		Cookie:     cookie,
		ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: epmdPort},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n
}

// compile writes src as dir/mod.erl and compiles it with erlc into dir.
func compile(t testing.TB, dir, mod, src string) string {
	t.Helper()
	erltest.RequireProgram(t, "erlc")
	path := filepath.Join(dir, mod+".erl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("erlc", "-o", dir, path).CombinedOutput(); err != nil {
		t.Fatalf("erlc %s: %v\n%s", mod, err, out)
	}
	return filepath.Join(dir, mod+".beam")
}

// greeter is a module whose version() tells which version answers, and
// whose loop/0 stays in the version it started in (local calls only).
func greeter(version int) string {
	return fmt.Sprintf(`-module(greeter).
-export([version/0, spawn_loop/0, loop/0]).
version() -> %d.
spawn_loop() -> spawn(fun loop/0).
loop() -> receive {From, version} -> From ! {self(), %d}, loop() end.
`, version, version)
}

func prepare(t testing.TB, paths ...string) []*Module {
	t.Helper()
	mods, err := Prepare(paths)
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

func one(t testing.TB, rs []Result) Result {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	return rs[0]
}

func callInt(t testing.TB, ctx context.Context, n *node.Node, target term.Atom, mod, fun term.Atom) term.Term {
	t.Helper()
	v, err := rpc.Call(ctx, n, target, mod, fun, nil, rpc.Options{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("%s:%s(): %v", mod, fun, err)
	}
	return v
}

// TestLoadIntoErl loads modules into a real erl node over TCP: a new
// module, a changed one (the new code answers), a process running the
// old code (listed; then blocking the next load; then killed by Purge),
// a module compiled for a newer OTP (refused by avmsh's check, and by the
// node itself without it), a failing -on_load, and a node that is down.
func TestLoadIntoErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := startNode(t, e.EpmdPort, e.Cookie)
	ctx := testCtx(t)
	target := term.Atom(e.Name)
	l := NewLoader(n, Options{Timeout: 20 * time.Second})
	dir := t.TempDir()

	// A new module.
	r := one(t, l.Load(ctx, target, prepare(t, compile(t, dir, "greeter", greeter(1)))))
	if r.Status != Loaded || r.Err != nil || r.Bytes == 0 {
		t.Fatalf("new module: %+v", r)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(1) {
		t.Fatalf("version after first load: %v", v)
	}
	tg, _ := l.Probe(ctx, target)
	if tg.Kind != node.KindBEAM || tg.Release == "" || tg.Transport != "tcp" {
		t.Errorf("probe: %+v", tg)
	}

	// A process running version 1, then version 2 loaded: the new code
	// answers, and the process is reported as running the module.
	if _, err := e.Call(ctx, "register(gloop, greeter:spawn_loop())"); err != nil {
		t.Fatal(err)
	}
	r = one(t, l.Load(ctx, target, prepare(t, compile(t, dir, "greeter", greeter(2)))))
	if r.Status != Loaded || len(r.Running) != 1 || r.Running[0].Name != "gloop" || !strings.Contains(r.Running[0].Function, "greeter:loop/0") {
		t.Fatalf("changed module: %+v", r)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(2) {
		t.Fatalf("version after the change: %v", v)
	}
	// The process itself still runs version 1 (local calls).
	if res, err := e.Call(ctx, "gloop ! {self(), version}, receive {_, V} -> V after 5000 -> timeout end"); err != nil || res.Text != "1" {
		t.Fatalf("old process: %+v %v", res, err)
	}

	// Version 3: gloop still runs version 1 (now the old version), so
	// soft_purge fails and nothing is loaded; the process is named.
	r = one(t, l.Load(ctx, target, prepare(t, compile(t, dir, "greeter", greeter(3)))))
	if r.Status != Refused || r.Reason != ReasonNotPurged || len(r.OldCode) != 1 || !strings.Contains(r.Err.Error(), "load with purging") || strings.Contains(r.Err.Error(), "--") {
		t.Fatalf("not purged: %+v", r)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(2) {
		t.Fatalf("a refused load changed the code: %v", v)
	}
	// With Purge, as c:l/1: gloop is killed and version 3 answers.
	lp := NewLoader(n, Options{Timeout: 20 * time.Second, Purge: true})
	r = one(t, lp.Load(ctx, target, prepare(t, filepath.Join(dir, "greeter.beam"))))
	if r.Status != Loaded || !r.Killed || len(r.OldCode) != 1 {
		t.Fatalf("purge: %+v", r)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(3) {
		t.Fatalf("version after purge: %v", v)
	}
	if res, err := e.Call(ctx, "whereis(gloop)"); err != nil || res.Text != "undefined" {
		t.Fatalf("gloop should be dead: %+v %v", res, err)
	}

	// A module compiled for a newer OTP: avmsh's check refuses it...
	r = one(t, l.Load(ctx, target, prepare(t, filepath.Join("testdata", "future.beam"))))
	if r.Status != Refused || r.Reason != ReasonIncompatible || !strings.Contains(r.Err.Error(), "OTP 26 or later") {
		t.Fatalf("future module: %+v", r)
	}
	// With another module, neither is sent: a node gets all or none.
	rs := l.Load(ctx, target, prepare(t, filepath.Join("testdata", "future.beam"), filepath.Join("testdata", "hello.beam")))
	if len(rs) != 2 || rs[0].Reason != ReasonIncompatible || rs[1].Status != Refused || rs[1].Reason != ReasonNotSent {
		t.Fatalf("future with hello: %+v", rs)
	}
	if res, err := e.Call(ctx, "code:is_loaded(hello)"); err != nil || res.Text != "false" {
		t.Fatalf("hello was sent: %+v %v", res, err)
	}
	// ...and so does the node, whose answer is explained.
	ln := NewLoader(n, Options{Timeout: 20 * time.Second, NoCheck: true})
	r = one(t, ln.Load(ctx, target, prepare(t, filepath.Join("testdata", "future.beam"))))
	if r.Status != Refused || r.Reason != ReasonBadFile || !strings.Contains(r.Err.Error(), "compiled for OTP 26") {
		t.Fatalf("future module, unchecked: %+v", r)
	}

	// A module whose -on_load fails.
	bad := compile(t, dir, "onload_fails", "-module(onload_fails).\n-on_load(init/0).\ninit() -> nope.\n")
	r = one(t, l.Load(ctx, target, prepare(t, bad)))
	if r.Status != Refused || r.Reason != ReasonOnLoad {
		t.Fatalf("on_load: %+v", r)
	}

	// A node that is down.
	down := term.Atom(erltest.RandomName("down") + "@127.0.0.1")
	r = one(t, l.Load(ctx, down, prepare(t, filepath.Join("testdata", "hello.beam"))))
	if r.Status != Unreachable || r.Err == nil {
		t.Fatalf("down node: %+v", r)
	}

	// Several nodes at once: the live one loads, the dead one is reported.
	rs = l.LoadAll(ctx, []term.Atom{target, down}, prepare(t, filepath.Join("testdata", "hello.beam")))
	if len(rs) != 2 || rs[0].Status != Loaded || rs[1].Status != Unreachable {
		t.Fatalf("LoadAll: %+v", rs)
	}
}

func TestPrepareBadInput(t *testing.T) {
	dir := t.TempDir()
	hello, err := os.ReadFile(filepath.Join("testdata", "hello.beam"))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "hello.beam")
	os.WriteFile(trunc, hello[:200], 0o644)
	huge := filepath.Join(dir, "huge.beam")
	f, _ := os.Create(huge)
	f.Truncate(100 << 20) // 100 MB, sparse
	f.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)

	cases := []struct {
		paths []string
		msgs  []string
	}{
		{[]string{trunc}, []string{"hello.beam", "cut short"}},
		{[]string{filepath.Join("testdata", "greeting.beam")}, []string{"holds module hello, not greeting"}},
		{[]string{empty}, []string{"no .beam files"}},
		{[]string{huge}, []string{"104857600 bytes", "16 MiB"}},
		{[]string{text}, []string{"not a .beam file"}},
		// Every problem is reported, and the good file is not loaded either.
		{[]string{filepath.Join("testdata", "hello.beam"), trunc, filepath.Join("testdata", "greeting.beam")}, []string{"2 files cannot be loaded", "cut short", "holds module hello"}},
		{[]string{filepath.Join("testdata", "hello.beam"), filepath.Join("testdata", "hello.beam")}, []string{"also in"}},
	}
	for _, c := range cases {
		mods, err := Prepare(c.paths)
		if mods != nil || !errors.Is(err, ErrBadFiles) {
			t.Errorf("%v: mods %v err %v", c.paths, mods, err)
			continue
		}
		for _, m := range c.msgs {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%v: %q lacks %q", c.paths, err, m)
			}
		}
	}
}

// TestWatch pushes a .beam written into the watched directory and, with
// Build, a changed .erl recompiled by erlc into the ebin beside src/.
func TestWatch(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := startNode(t, e.EpmdPort, e.Cookie)
	target := term.Atom(e.Name)
	l := NewLoader(n, Options{Timeout: 20 * time.Second})
	proj := t.TempDir()
	src, ebin := filepath.Join(proj, "src"), filepath.Join(proj, "ebin")
	os.MkdirAll(src, 0o755)
	os.MkdirAll(ebin, 0o755)
	ctx, cancel := context.WithCancel(testCtx(t))
	pushes := make(chan Push, 16)
	done := make(chan error, 1)
	go func() {
		done <- l.Watch(ctx, WatchOptions{Dir: proj, Build: true, Debounce: 50 * time.Millisecond, Targets: []term.Atom{target}}, func(p Push) { pushes <- p })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watch: %v", err)
		}
	}()
	next := func(what string) Push {
		t.Helper()
		select {
		case p := <-pushes:
			return p
		case <-time.After(60 * time.Second):
			t.Fatalf("no push for %s", what)
		}
		return Push{}
	}
	// The watcher is set up asynchronously: write until a push comes.
	tmp := t.TempDir()
	beam := compile(t, tmp, "greeter", greeter(1))
	data, _ := os.ReadFile(beam)
	var p Push
	for i := 0; ; i++ {
		os.WriteFile(filepath.Join(ebin, "greeter.beam"), data, 0o644)
		select {
		case p = <-pushes:
		case <-time.After(2 * time.Second):
			if i < 20 {
				continue
			}
			t.Fatal("no push for a written .beam")
		}
		break
	}
	if p.Err != nil || len(p.Results) != 1 || p.Results[0].Status != Loaded {
		t.Fatalf("beam push: %+v", p)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(1) {
		t.Fatalf("after beam push: %v", v)
	}
	// A source change is compiled into ebin/ and pushed.
	os.WriteFile(filepath.Join(src, "greeter.erl"), []byte(greeter(2)), 0o644)
	p = next("greeter.erl")
	if p.Err != nil || !p.Built || len(p.Results) != 1 || p.Results[0].Status != Loaded {
		t.Fatalf("erl push: %+v", p)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(2) {
		t.Fatalf("after erl push: %v", v)
	}
	// A source that does not compile is reported, nothing is loaded.
	os.WriteFile(filepath.Join(src, "greeter.erl"), []byte("-module(greeter).\nbroken("), 0o644)
	p = next("broken greeter.erl")
	if p.Err == nil || !strings.Contains(p.Err.Error(), "erlc") {
		t.Fatalf("broken source: %+v", p)
	}
	if v := callInt(t, ctx, n, target, "greeter", "version"); v != term.Int(2) {
		t.Fatalf("after broken source: %v", v)
	}
}
