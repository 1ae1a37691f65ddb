//go:build !windows

package root

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// TestTUIEndToEnd runs `avmsh` in a real terminal (tmux) next to two
// real erl nodes registered in a private epmd: both appear in the
// cluster view, the process table of one lists its processes and sorts
// by memory, a process opens, killing the other node shows it down with
// a nodedown event in Monitors, and the shell pane is OTP's own shell on
// the selected node (records work; io:get_line reads from the pane).
// A -sname node in the same epmd is listed under its real name, marked
// unreachable from this long-name dashboard (defect 19). The module list
// shows the node's modules and a module loaded with :load. In the shell,
// where ':' '/' '?' type, f1 and ctrl+o still reach help and palette.
func TestTUIEndToEnd(t *testing.T) {
	e1 := erltest.Start(t, erltest.Options{})
	e2 := erltest.Start(t, erltest.Options{EpmdPort: e1.EpmdPort, Cookie: e1.Cookie})
	short := erltest.Start(t, erltest.Options{EpmdPort: e1.EpmdPort, Cookie: e1.Cookie, ShortNames: true})
	e1.Eval(t, "register(tui_probe, spawn(fun() -> receive stop -> ok end end))")
	bin := buildAvmsh(t)
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(e1.EpmdPort), "AVMSH_COOKIE=" + e1.Cookie, "TERM=xterm", "HOME=" + t.TempDir()}
	tuiName := "tui_" + erltest.RandomName("t") + "@127.0.0.1"
	logPath := filepath.Join(t.TempDir(), "avmsh.log")
	s := startTmux(t, 150, 40, env, bin, "--name", tuiName, "--refresh", "500ms", "-v", "2>"+logPath)
	t.Cleanup(func() { dumpOnFailure(t, tuiName, logPath) })
	first, second := e1.Name, e2.Name
	if second < first {
		first, second = second, first
	}
	s.waitFor("both nodes up in the cluster view", 20*time.Second, func(sc string) bool {
		return lineHas(sc, e1.Name, "up", "OTP") && lineHas(sc, e2.Name, "up", "OTP")
	})
	shortAlive, _, _ := strings.Cut(short.Name, "@")
	sc0 := s.waitFor("the -sname node, unreachable", 20*time.Second, func(sc string) bool {
		return lineHas(sc, short.Name, "unreachable")
	})
	if strings.Contains(sc0, shortAlive+"@127.0.0.1") {
		t.Fatalf("the -sname node is listed under an invented name:\n%s", sc0)
	}

	// Select e1 (rows: local node, then the nodes by name) and open it.
	s.keys("Down")
	if short.Name < e1.Name {
		s.keys("Down")
	}
	if e1.Name != first {
		s.keys("Down")
	}
	time.Sleep(300 * time.Millisecond)
	s.keys("Enter")
	s.waitFor("e1's process table", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, e1.Name) && strings.Contains(sc, "code_server") && strings.Contains(sc, "<0.0.0>")
	})
	s.keys("n") // by name
	s.waitFor("sorted by name", 5*time.Second, contains("NAME▲"))
	s.keys("m") // by memory
	sc := s.waitFor("sorted by memory", 5*time.Second, contains("MEMORY▼"))
	if !memoryDescending(sc) {
		t.Errorf("memory column not descending:\n%s", sc)
	}
	s.keys("/")
	time.Sleep(200 * time.Millisecond)
	s.keys("tui_probe", "Enter")
	s.waitFor("the filter", 5*time.Second, contains("filter: tui_probe"))
	s.keys("Enter")
	s.waitFor("the process details", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "registered_name") && strings.Contains(sc, "tui_probe")
	})
	s.keys("Escape")
	time.Sleep(300 * time.Millisecond)

	// The module list, and :load of a new module (node/codeload): the
	// results, then the module listed with the file it came from.
	s.keys("Escape") // clears the filter
	time.Sleep(300 * time.Millisecond)
	s.keys("c")
	s.waitFor("the module list", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "MODULE▲") && lineHas(sc, "erlang", "preloaded")
	})
	beam := compileErl(t, "tui_e2e_mod", "-module(tui_e2e_mod).\n-export([v/0]).\nv() -> 1.\n")
	s.keys(":")
	time.Sleep(200 * time.Millisecond)
	s.keys("load "+beam, "Enter")
	s.waitFor("the load's result", 15*time.Second, contains("tui_e2e_mod → "+e1.Name+": loaded ("))
	s.keys("Escape")
	time.Sleep(300 * time.Millisecond)
	s.keys("/")
	time.Sleep(200 * time.Millisecond)
	s.keys("tui_e2e", "Enter")
	s.waitFor("the new module in the list", 10*time.Second, func(sc string) bool { return lineHas(sc, "tui_e2e_mod", beam) })
	s.keys("Escape") // clears the filter
	time.Sleep(300 * time.Millisecond)
	s.keys("p")
	s.waitFor("the process table again", 10*time.Second, contains("MEMORY▼"))

	// The shell pane runs OTP's own shell on the open node (a BEAM
	// node), as `avmsh shell NODE` does: evaluation happens there, and
	// records, which avmsh's evaluator has no syntax for, work.
	s.keys("5")
	s.waitFor("the shell pane", 10*time.Second, contains("("+e1.Name+")1>"))
	s.keys("erlang:node().", "Enter")
	s.waitFor("the shell's answer", 10*time.Second, contains("'"+e1.Name+"'"))
	s.keys("erlang:whereis(tui_probe) =/= undefined.", "Enter")
	s.waitFor("a call on the target", 10*time.Second, contains("true"))
	s.keys("rd(pt, {x, y = 2}).", "Enter")
	s.waitFor("rd/2", 10*time.Second, contains("("+e1.Name+")4>"))
	s.keys("#pt{x = 1}.", "Enter")
	s.waitFor("a record", 10*time.Second, contains("#pt{x = 1,y = 2}"))
	s.keys(`io:get_line("name? ").`, "Enter")
	s.waitFor("io:get_line's prompt", 10*time.Second, contains("name? "))
	s.keys("joe", "Enter")
	s.waitFor("io:get_line's answer", 10*time.Second, contains(`"joe\n"`))
	s.keys("F1")
	s.waitFor("the help from the shell, the shell's keys first", 5*time.Second, func(sc string) bool {
		return strings.Index(sc, "Shell (5)") >= 0 && strings.Index(sc, "Shell (5)") < strings.Index(sc, "Cluster (1)")
	})
	s.keys("Escape")
	time.Sleep(300 * time.Millisecond) // an ESC and the next key in one read are alt+key
	s.keys("C-o")
	time.Sleep(200 * time.Millisecond)
	s.keys("node", "Enter") // the palette from the shell: ":node" shows the node view
	s.waitFor("the node view, from the shell's palette", 10*time.Second, contains("MEMORY▼"))
	s.keys("5")
	s.waitFor("the shell again", 10*time.Second, contains("ctrl+o commands"))
	s.keys("Escape")
	time.Sleep(300 * time.Millisecond)

	// Kill e2: it shows down, and Monitors has the nodedown.
	s.keys("1")
	e2.Kill()
	s.waitFor("e2 down", 20*time.Second, func(sc string) bool { return lineHas(sc, e2.Name, "down") })
	s.keys("3")
	s.waitFor("the nodedown event", 10*time.Second, func(sc string) bool { return lineHas(sc, "nodedown", e2.Name) })

	// Help lists the keys; q quits.
	s.keys("?")
	s.waitFor("the help", 5*time.Second, contains("command palette"))
	s.keys("Escape")
	time.Sleep(200 * time.Millisecond)
	s.keys("q")
	s.waitFor("the dashboard to exit", 10*time.Second, func(string) bool { return s.dead() })
}

// dumpOnFailure, when the test failed, makes the dashboard (the process
// whose command line names node) print its goroutines (SIGQUIT) into its
// -v log and logs that file: what it was doing when the screen did not
// show what the test waited for.
func dumpOnFailure(t *testing.T, node, logPath string) {
	if !t.Failed() {
		return
	}
	if out, err := exec.Command("pkill", "-QUIT", "-f", "--", "--name "+node).CombinedOutput(); err != nil {
		t.Logf("pkill -QUIT: %v %s", err, out)
	}
	// The runtime writes the dump and exits; wait for the file to settle.
	last := -1
	for i := 0; i < 50; i++ {
		time.Sleep(100 * time.Millisecond)
		if fi, err := os.Stat(logPath); err == nil && int(fi.Size()) == last {
			break
		} else if err == nil {
			last = int(fi.Size())
		}
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Logf("the dashboard's log: %v", err)
		return
	}
	t.Logf("the dashboard's -v log and goroutines:\n%s", b)
}

// compileErl compiles src as mod.erl with erlc into a temporary
// directory and returns the .beam file's path.
func compileErl(t *testing.T, mod, src string) string {
	t.Helper()
	erlc := erltest.RequireProgram(t, "erlc")
	dir := t.TempDir()
	path := filepath.Join(dir, mod+".erl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(erlc, "-o", dir, path).CombinedOutput(); err != nil {
		t.Fatalf("erlc %s: %v\n%s", mod, err, out)
	}
	return filepath.Join(dir, mod+".beam")
}

// lineHas reports whether one line of the screen holds every word.
func lineHas(screen string, words ...string) bool {
	for _, l := range strings.Split(screen, "\n") {
		all := true
		for _, w := range words {
			if !strings.Contains(l, w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// memoryDescending checks the MEMORY column of the process table.
func memoryDescending(screen string) bool {
	var vals []float64
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(l)
		for i := 0; i+1 < len(f); i++ {
			if f[i+1] == "KiB" || f[i+1] == "MiB" || f[i+1] == "B" {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					continue
				}
				switch f[i+1] {
				case "KiB":
					v *= 1 << 10
				case "MiB":
					v *= 1 << 20
				}
				vals = append(vals, v)
				break
			}
		}
	}
	if len(vals) < 5 {
		return false
	}
	for i := 1; i < len(vals); i++ {
		if vals[i] > vals[i-1] {
			return false
		}
	}
	return true
}
