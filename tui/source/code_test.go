//go:build !windows

package source_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// compile writes src as dir/mod.erl and compiles it into dir.
func compile(t *testing.T, dir, mod, src string) string {
	t.Helper()
	erlc := erltest.RequireProgram(t, "erlc")
	path := filepath.Join(dir, mod+".erl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(erlc, "-o", dir, path).CombinedOutput(); err != nil {
		t.Fatalf("erlc %s: %v\n%s", mod, err, out)
	}
	return filepath.Join(dir, mod+".beam")
}

func moduleNamed(l source.ModuleList, name string) (source.Module, bool) {
	i := slices.IndexFunc(l.Modules, func(m source.Module) bool { return m.Name == name })
	if i < 0 {
		return source.Module{}, false
	}
	return l.Modules[i], true
}

// TestLiveCodeAgainstErl: against a real erl node the dashboard loads a
// new module (node/codeload), finds it in the module list with the file
// it came from, and reloads a changed version that then answers. The
// list is sorted and bounded; the dashboard's own node lists its Go
// modules and refuses code; a file that is not a module loads nothing.
func TestLiveCodeAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	l := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", e, false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	target := term.Atom(e.Name)
	if _, err := l.Connect(ctx, e.Name); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const mod = "tui_code_probe"
	beam := compile(t, dir, mod, "-module(tui_code_probe).\n-export([v/0]).\nv() -> 1.\n")

	before, err := l.Modules(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := moduleNamed(before, mod); ok || before.Total < 20 || len(before.Modules) != before.Total {
		t.Fatalf("module list before the load: %d of %d", len(before.Modules), before.Total)
	}
	if !slices.IsSortedFunc(before.Modules, func(a, b source.Module) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatal("the module list is not sorted by name")
	}
	if m, ok := moduleNamed(before, "erlang"); !ok || m.File != "preloaded" {
		t.Fatalf("erlang in the module list: %+v %v", m, ok)
	}

	res, err := l.Load(ctx, target, []string{beam}, source.LoadOptions{})
	if err != nil || len(res) != 1 || res[0].Status != codeload.Loaded || res[0].Module != mod {
		t.Fatalf("load: %+v %v", res, err)
	}
	after, err := l.Modules(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := moduleNamed(after, mod); !ok || m.File != beam || after.Total < before.Total+1 {
		t.Fatalf("the loaded module in the list: %+v %v (%d modules, %d before)", m, ok, after.Total, before.Total)
	}
	if got := e.Eval(t, "tui_code_probe:v()"); got != "1" {
		t.Fatalf("v() = %s", got)
	}

	// Reload: the changed file, as `l` does.
	compile(t, dir, mod, "-module(tui_code_probe).\n-export([v/0]).\nv() -> 2.\n")
	res, err = l.Load(ctx, target, []string{beam}, source.LoadOptions{})
	if err != nil || len(res) != 1 || res[0].Status != codeload.Loaded {
		t.Fatalf("reload: %+v %v", res, err)
	}
	if got := e.Eval(t, "tui_code_probe:v()"); got != "2" {
		t.Fatalf("v() after the reload = %s", got)
	}

	// Nothing is sent when a file is not a module.
	txt := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(txt, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := l.Load(ctx, target, []string{beam, txt}, source.LoadOptions{}); !errors.Is(err, codeload.ErrBadFiles) || res != nil {
		t.Fatalf("load of a text file: %+v %v", res, err)
	}

	// The dashboard's own node: its Go modules; no code loading.
	own, err := l.Modules(ctx, l.LocalName())
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := moduleNamed(own, "erlang"); !ok || m.File != "(Go, built in)" {
		t.Fatalf("local modules: %+v", own)
	}
	res, err = l.Load(ctx, l.LocalName(), []string{beam}, source.LoadOptions{})
	if err != nil || len(res) != 1 || res[0].Status != codeload.Refused || res[0].Reason != codeload.ReasonNoCode {
		t.Fatalf("load into the local node: %+v %v", res, err)
	}

	// A bounded list: the first names, and how many there are.
	small := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", e, false, func(c *source.Config) { c.MaxModules = 5 })
	if _, err := small.Connect(ctx, e.Name); err != nil {
		t.Fatal(err)
	}
	capped, err := small.Modules(ctx, target)
	if err != nil || len(capped.Modules) != 5 || capped.Total < after.Total || capped.Modules[0] != after.Modules[0] || capped.Modules[4] != after.Modules[4] {
		t.Fatalf("MaxModules 5: %+v %v", capped, err)
	}
}
