package codeload

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/codeload/codeloadtest"
)

// The tests below load into codeloadtest's fake AtomVM node, which
// answers as a source-built AtomVM (7b282159) answered by hand on
// 2026-12-06 (docs/develop.md, "Checked against AtomVM"): CI has no
// AtomVM.

const withOnLoad = `-module(withinit).
-export([x/0]).
-on_load(init/0).
init() -> ok.
x() -> 1.
`

const withNifs = `-module(nifmod).
-export([f/0]).
-nifs([f/0]).
f() -> erlang:nif_error(not_loaded).
`

func startAtomVM(t *testing.T, version string) (*codeloadtest.AtomVM, *node.Node) {
	t.Helper()
	e := erltest.StartEpmd(t)
	a := codeloadtest.Start(t, codeloadtest.Options{EpmdPort: e.Port, Version: version})
	return a, startNode(t, e.Port, a.Cookie)
}

func loadCalls(a *codeloadtest.AtomVM) []string {
	var out []string
	for _, c := range a.Calls() {
		if strings.HasPrefix(c, "code:load_binary/3") {
			out = append(out, c)
		}
	}
	return out
}

func TestLoadIntoAtomVM(t *testing.T) {
	a, n := startAtomVM(t, "")
	ctx := testCtx(t)
	mods := prepare(t, compile(t, t.TempDir(), "greeter", greeter(1)))
	l := NewLoader(n, Options{})

	tg, err := l.Probe(ctx, a.Name)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Kind != node.KindAtomVM || tg.Release != codeloadtest.LiveVersion || tg.CurrentFunction {
		t.Fatalf("probe: %+v", tg)
	}
	r := one(t, l.Load(ctx, a.Name, mods))
	if r.Status != Loaded || r.Bytes != len(mods[0].Stripped) || r.Running != nil {
		t.Fatalf("load: %+v", r)
	}
	if got, ok := a.Loaded("greeter"); !ok || !bytes.Equal(got, mods[0].Stripped) {
		t.Fatalf("AtomVM got %d bytes, want the stripped module (%d bytes)", len(got), len(mods[0].Stripped))
	}
	if len(r.Notes) != 3 || !strings.Contains(r.Notes[0], "never purges") || !strings.Contains(r.Notes[2], "reboot reverts") {
		t.Fatalf("notes: %q", r.Notes)
	}
	// Live, process_info(P, current_function) never answered for another
	// process: the loader must not ask.
	if slices.Contains(a.Calls(), "erlang:process_info/2") {
		t.Fatalf("asked AtomVM for process_info: %q", a.Calls())
	}
	// A changed version replaces it; the notes are not repeated (a
	// watch loop would print them on every save).
	mods2 := prepare(t, compile(t, t.TempDir(), "greeter", greeter(2)))
	if r := one(t, l.Load(ctx, a.Name, mods2)); r.Status != Loaded || len(r.Notes) != 0 {
		t.Fatalf("reload: %+v", r)
	}
	if got, _ := a.Loaded("greeter"); !bytes.Equal(got, mods2[0].Stripped) {
		t.Fatal("AtomVM did not get the changed module")
	}
}

// TestAtomVMAllOrNothing: a module this AtomVM would abort on is refused
// before anything is sent, and holds back the others for that node.
func TestAtomVMAllOrNothing(t *testing.T) {
	a, n := startAtomVM(t, "")
	ctx := testCtx(t)
	dir := t.TempDir()
	mods := prepare(t, compile(t, dir, "greeter", greeter(1)), compile(t, dir, "withinit", withOnLoad))
	rs := NewLoader(n, Options{}).Load(ctx, a.Name, mods)
	if len(rs) != 2 {
		t.Fatalf("results: %+v", rs)
	}
	if r := rs[1]; r.Status != Refused || r.Reason != ReasonIncompatible ||
		!strings.Contains(r.Err.Error(), "opcode 149 on_load") || !strings.Contains(r.Err.Error(), codeloadtest.LiveVersion) {
		t.Fatalf("withinit: %+v", r)
	}
	if r := rs[0]; r.Status != Refused || r.Reason != ReasonNotSent || !strings.Contains(r.Err.Error(), "withinit cannot be loaded") {
		t.Fatalf("greeter: %+v", r)
	}
	if len(rs[0].Notes) != 3 {
		t.Fatalf("the AtomVM notes go with the node's first result: %+v", rs[0])
	}
	if c := loadCalls(a); len(c) != 0 || a.Aborted() {
		t.Fatalf("sent %q to AtomVM", c)
	}
}

// TestAtomVMVersionDecides: -nifs (opcode nif_start) loads on 0.8 and is
// refused, before sending, for 0.7 — read from the node's own answer.
func TestAtomVMVersionDecides(t *testing.T) {
	mods := prepare(t, compile(t, t.TempDir(), "nifmod", withNifs))
	for _, c := range []struct {
		version string
		want    Status
	}{{"0.7.0-alpha.1", Refused}, {codeloadtest.LiveVersion, Loaded}} {
		a, n := startAtomVM(t, c.version)
		r := one(t, NewLoader(n, Options{}).Load(testCtx(t), a.Name, mods))
		if r.Status != c.want {
			t.Fatalf("%s: %+v", c.version, r)
		}
		if c.want == Refused && (len(loadCalls(a)) != 0 || !strings.Contains(r.Err.Error(), "only from 0.8")) {
			t.Fatalf("%s: %+v, calls %q", c.version, r, a.Calls())
		}
	}
}

// TestAtomVMAbortExplained: with --no-check, a module AtomVM cannot load
// makes it abort (live: "missing opcode: 149", then the VM exited); the
// result says so, and the modules after it are not sent.
func TestAtomVMAbortExplained(t *testing.T) {
	a, n := startAtomVM(t, "")
	dir := t.TempDir()
	mods := prepare(t, compile(t, dir, "withinit", withOnLoad), compile(t, dir, "greeter", greeter(1)))
	start := time.Now()
	rs := NewLoader(n, Options{NoCheck: true}).Load(testCtx(t), a.Name, mods)
	if !a.Aborted() || !strings.Contains(a.Console(), "missing opcode: 149") {
		t.Fatalf("the fake did not abort: %q", a.Console())
	}
	r := rs[0]
	if r.Status != Unreachable || !strings.Contains(r.Err.Error(), `"missing opcode: 149"`) || !strings.Contains(r.Err.Error(), "check of the opcodes was skipped") {
		t.Fatalf("withinit: %+v", r)
	}
	if r := rs[1]; r.Status != Unreachable || !strings.Contains(r.Err.Error(), "not sent") {
		t.Fatalf("greeter: %+v", r)
	}
	if c := loadCalls(a); len(c) != 1 {
		t.Fatalf("calls after the abort: %q", c)
	}
	t.Logf("abort reported after %v", time.Since(start))
}
