//go:build !windows

package shellcmd_test

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

// runShell runs the built avmsh shell with stdin and returns its output
// and exit code.
func runShell(t *testing.T, bin string, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"shell"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// TestShellDefects drives the built `avmsh shell` with scripts (issue
// 15): an e(N)/v(N) inside a comprehension no longer kills the shell
// (defect 1); node() is the target with avmsh's evaluator and
// avmsh_node() is avmsh's own node (defect 9); erlang:halt() and the
// other quit calls leave OTP's shell without stopping the target (the
// one quit rule).
func TestShellDefects(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE=" + e.Cookie, "XDG_STATE_HOME=" + t.TempDir()}

	out, code := runShell(t, bin, env, "[v(X) || X <- [1]].\na.\n[v(N) || N <- [1]].\n[v(1) || _ <- [x]].\n")
	if strings.Contains(out, "panic") || strings.Contains(out, "SIGSEGV") ||
		!strings.Contains(out, "* X: command not found") || !strings.Contains(out, "[a]\n") {
		t.Fatalf("v(X) in a comprehension (exit %d):\n%s", code, out)
	}

	out, _ = runShell(t, bin, env, "node().\navmsh_node() =/= node().\nnode(self()) =:= avmsh_node().\n", e.Name, "--evaluator", "go")
	if !strings.Contains(out, "'"+e.Name+"'\n") || strings.Count(out, "true\n") != 2 {
		t.Fatalf("node() with avmsh's evaluator:\n%s", out)
	}

	for _, ev := range []string{"auto", "go"} {
		for _, quit := range []string{"erlang:halt().", "halt().", "init:stop().", "c:q().", "q()."} {
			out, code := runShell(t, bin, env, "1 + 1.\n"+quit+"\nnever_here.\n", e.Name, "--evaluator", ev)
			if code != 0 || !strings.Contains(out, "2\n") || strings.Contains(out, "never_here") {
				t.Fatalf("%s with --evaluator %s (exit %d):\n%s", quit, ev, code, out)
			}
			if got := e.Eval(t, "1 + 1"); got != "2" {
				t.Fatalf("%s with --evaluator %s stopped the target: %s", quit, ev, got)
			}
		}
	}
}

// TestLocalShellTerminal drives `avmsh shell` (the local node) in a real
// terminal: Tab completes modules and functions served by avmsh's node
// (defect 12: li+Tab, lists:s+Tab completed nothing), Ctrl-G opens the
// job-control menu, whose c returns to the prompt with the command
// being typed and q leaves (defect 22).
func TestLocalShellTerminal(t *testing.T) {
	bin := buildAvmsh(t)
	state := t.TempDir()
	s := startTmux(t, []string{"XDG_STATE_HOME=" + state, "TERM=xterm"}, bin, "shell")
	s.waitFor("the prompt", func(sc string) bool { return strings.Contains(sc, ")1> ") })
	s.keys("li", "Tab")
	s.waitText(")1> lists:")
	s.keys("s", "Tab")
	s.waitText("seq/2")
	s.waitText("sum/1")
	s.keys("um", "Tab")
	s.waitText(")1> lists:sum(")
	s.keys("[1, 2]).", "Enter")
	s.waitText("\n3\n")
	// The next prompt, as a user would: keys typed while the result is
	// being printed reached the evaluation's Ctrl-G handling once in a
	// loaded run, not the line editor.
	s.waitText(")2> ")

	s.keys("abc", "C-g")
	s.waitText("User switch command (enter 'h' for help)\n --> ")
	s.keys("h", "Enter")
	s.waitText("i [nn]            - interrupt job")
	s.keys("j", "Enter")
	s.waitText("   1* avmsh's evaluator on ")
	s.keys("c", "Enter")
	s.waitText(")2> abc")
	s.keys("C-u", "C-g")
	s.waitFor("the menu again", func(sc string) bool { return strings.Count(sc, "User switch command") == 2 })
	s.keys("q", "Enter")
	s.waitFor("the shell to exit", func(string) bool { return s.dead() })
	if _, err := os.Stat(filepath.Join(state, "avmsh", "history")); err != nil {
		t.Fatalf("history file: %v", err)
	}
}

// TestCtrlGDuringEvaluation: OTP's banner says "(abort with ^G)": in a
// real terminal against a real erl node, Ctrl-G during a long
// evaluation opens the menu, i interrupts it, c returns to the prompt;
// at the prompt Ctrl-G q leaves, and the node keeps running (defect 22).
func TestCtrlGDuringEvaluation(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE=" + e.Cookie, "XDG_STATE_HOME=" + t.TempDir(), "TERM=xterm"}
	for _, ev := range []string{"auto", "go"} {
		s := startTmux(t, env, bin, "shell", e.Name, "--evaluator", ev)
		p := "(" + e.Name + ")"
		s.waitText(p + "1>")
		s.keys("timer:sleep(60000).", "Enter")
		s.waitFor("the sleep to start", func(sc string) bool { return strings.Contains(sc, "timer:sleep(60000).\n") })
		waitSleepers(t, e, "1")
		s.keys("C-g")
		s.waitText("User switch command (enter 'h' for help)\n --> ")
		s.keys("i", "Enter")
		s.waitText("exception exit: killed")
		waitSleepers(t, e, "0")
		s.keys("c", "Enter")
		s.keys("1 + 1.", "Enter")
		s.waitFor("a command after the menu", func(sc string) bool { return strings.Contains(after(sc, "1 + 1."), "2") })
		s.keys("C-g")
		s.waitFor("the menu at the prompt", func(sc string) bool { return strings.Count(sc, "User switch command") == 2 })
		s.keys("q", "Enter")
		s.waitFor("the shell to exit", func(string) bool { return s.dead() })
		if got := e.Eval(t, "1 + 1"); got != "2" {
			t.Fatalf("--evaluator %s: the node did not survive: %s", ev, got)
		}
	}
}

// waitSleepers polls the erl node until want processes sleep in
// timer:sleep/1.
func waitSleepers(t *testing.T, e *erltest.Node, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for e.Eval(t, sleepers) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s processes in timer:sleep never became %s", e.Name, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
