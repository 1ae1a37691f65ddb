package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// openModules opens app1 in the node view and shows its module list.
func openModules(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server:loop/1")
	send(tm, "c")
	waitFor(t, tm, "MODULE▲")
}

// TestModuleList: c shows the node's modules (sorted, where each was
// loaded from, how many the node has); it is polled only while it is
// on screen, and / filters it.
func TestModuleList(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server:loop/1")
	if mods, _ := f.polls(); mods != 0 {
		t.Fatalf("the module list was polled %d times before it was shown", mods)
	}
	send(tm, "c")
	waitFor(t, tm, "7 modules (7 shown)")
	send(tm, "p")
	waitFor(t, tm, "4 processes")
	mods, procs := f.polls()
	send(tm, ":")
	tm.Type("refresh")
	send(tm, "enter")
	deadline := time.Now().Add(5 * time.Second)
	for _, p := f.polls(); p == procs && time.Now().Before(deadline); _, p = f.polls() {
		time.Sleep(10 * time.Millisecond)
	}
	if m2, p2 := f.polls(); m2 != mods || p2 == procs {
		t.Fatalf("refresh of the process table: modules polled %d→%d, processes %d→%d", mods, m2, procs, p2)
	}
	send(tm, "c")
	waitFor(t, tm, "MODULE▲")
	send(tm, "/", "h", "e", "l", "l", "o", "enter")
	waitFor(t, tm, "(2 shown)")
	_, v := finalView(t, tm)
	if strings.Contains(v, "gen_server") || !strings.Contains(v, "hello_sup") {
		t.Fatalf("modules filtered by hello:\n%s", v)
	}

	tm = start(t, newFake())
	openModules(t, tm)
	_, v = finalView(t, tm)
	golden.RequireEqual(t, []byte(v))
}

// TestReloadPrompt: l on a module asks for its path, starting from the
// file the node loaded it from; tab completes directories and .beam
// files, listing the choices when there are several.
func TestReloadPrompt(t *testing.T) {
	tm := start(t, newFake())
	openModules(t, tm)
	send(tm, "down", "down", "down", "down", "l") // hello
	waitFor(t, tm, "reload hello from: /home/dev/hello/_build/default/lib/hello/ebin/hello.beam")
	send(tm, "ctrl+u")
	tm.Type("testdata/co")
	send(tm, "tab")
	waitFor(t, tm, "from: testdata/code/")
	send(tm, "e", "tab", "h", "tab")
	waitFor(t, tm, "hello.beam  hello_sup.beam")
	_, v := finalView(t, tm)
	if strings.Contains(v, "hello.app") || !strings.Contains(v, "from: testdata/code/ebin/hello") {
		t.Fatalf("completion:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestReloadFlow: the path typed is loaded into the node, the results
// stay on screen until esc, the module list shows the new path, and the
// next reload of the module starts from it. A file of another module
// is refused in the prompt, before anything is loaded.
func TestReloadFlow(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	openModules(t, tm)
	send(tm, "down", "down", "down", "down", "l", "ctrl+u")
	tm.Type("testdata/code/ebin/hello_sup.beam")
	send(tm, "enter")
	waitFor(t, tm, "is not hello.beam")
	send(tm, "ctrl+u")
	tm.Type("testdata/code/ebin/")
	send(tm, "enter")
	waitFor(t, tm, "loaded 1 of 1 modules into app1@127.0.0.1") // the status comes with the results or after
	_, v := finalView(t, tm)
	if !strings.Contains(v, "hello → app1@127.0.0.1: loaded (1234 bytes, 3.2 ms)") {
		t.Fatalf("results:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
	f.mu.Lock()
	loads := strings.Join(f.loads, "|")
	f.mu.Unlock()
	if loads != "app1@127.0.0.1: testdata/code/ebin/hello.beam" {
		t.Fatalf("loads: %q", loads)
	}

	tm = start(t, f)
	openModules(t, tm)
	send(tm, "down", "down", "down", "down", "l")
	waitFor(t, tm, "reload hello from: testdata/code/ebin/hello.beam")
	send(tm, "enter")
	waitFor(t, tm, "hello → app1@127.0.0.1: loaded")
	send(tm, "esc")
	waitFor(t, tm, "hello                          testdata/code/ebin/hello.beam")
	finalView(t, tm)
}

// TestLoadCommand: :load FILE... loads into the node of the Node view
// and shows it with the results: AtomVM's notes, a refused module, a
// file that is not a module (nothing loaded, the view goes on).
func TestLoadCommand(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, ":")
	tm.Type("load x.beam")
	send(tm, "enter")
	waitFor(t, tm, "load: no node selected")
	send(tm, "down", "down", "enter") // the board
	waitFor(t, tm, "board@serial.local  OTP 25")
	send(tm, "1", ":")
	tm.Type("load testdata/code/ebin/hello.beam testdata/code/ebin/bad_mod.beam")
	send(tm, "enter")
	waitFor(t, tm, "loaded 1 of 2 modules into board@serial.local, 1 refused")
	m, v := finalView(t, tm)
	if m.Current() != "Node" || !strings.Contains(v, "bad_mod → board@serial.local: refused (badfile)") || !strings.Contains(v, "reboot reverts") {
		t.Fatalf("view %s:\n%s", m.Current(), v)
	}
	golden.RequireEqual(t, []byte(v))

	tm = start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server:loop/1")
	send(tm, ":")
	tm.Type("load --purge notes.txt")
	send(tm, "enter")
	waitFor(t, tm, "nothing was loaded into app1@127.0.0.1")
	send(tm, "down") // scrolling the results
	_, v = finalView(t, tm)
	if !strings.Contains(v, "notes.txt: not a .beam file (load takes compiled modules: erlc notes.txt)") {
		t.Fatalf("a file that is not a module:\n%s", v)
	}

	tm = start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, "down", "enter", ":")
	tm.Type("load notes.txt")
	send(tm, "enter")
	waitFor(t, tm, "nothing was loaded into app1@127.0.0.1")
	send(tm, "esc")
	waitFor(t, tm, "4 processes")
	if _, v := finalView(t, tm); !strings.Contains(v, "code_server:loop/1") {
		t.Fatalf("after the results:\n%s", v)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.loads); n != 3 || f.loads[1] != "app1@127.0.0.1: --purge notes.txt" {
		t.Fatalf("loads: %q", f.loads)
	}
}
