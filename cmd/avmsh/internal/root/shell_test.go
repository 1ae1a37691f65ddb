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

// TestShellAndEvalAgainstErl runs `avmsh eval` and a scripted
// `avmsh shell` against a real erl node: results and exceptions print
// like the erl shell, and the exit codes follow the rpc ones.
func TestShellAndEvalAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	r := avmsh(t, env, "", "eval", e.Name, "X = lists:seq(1, 4), lists:sum(X) * 2.")
	if r.code != 0 || r.out != "20\n" {
		t.Fatalf("eval: %+v", r)
	}
	r = avmsh(t, env, "", "eval", e.Name, "lists:nth(9, [a]).")
	if r.code != 1 || !strings.Contains(r.out, "** exception error: no function clause matching lists:nth(") {
		t.Fatalf("eval exception: %+v", r)
	}
	r = avmsh(t, env, "erlang:system_info(otp_release).\n", "eval", e.Name, "-")
	if r.code != 0 || r.out != "\"25\"\n" && !strings.HasPrefix(r.out, "\"2") {
		t.Fatalf("eval from stdin: %+v", r)
	}
	r = avmsh(t, env, "", "eval", "nobody@127.0.0.1", "1.")
	if r.code != 3 {
		t.Fatalf("eval unreachable: %+v", r)
	}
	// OTP's shell on the target (records work), fed a script.
	script := "X = 1 +\n 2.\nrd(p, {a}).\n#p{a = X}.\nio:format(\"hi~n\").\nfoo:bar().\n"
	r = avmsh(t, env, script, "shell", e.Name)
	prompt := "(" + e.Name + ")"
	for _, want := range []string{prompt + "1> ", "3\n", "#p{a = 3}\n", "hi\nok\n", "** exception error: undefined function foo:bar/0"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("shell script: missing %q in\n%s", want, r.out)
		}
	}
	if r.code != 1 {
		t.Errorf("shell script with an exception: exit code %d, want 1", r.code)
	}
	// avmsh's own evaluator, forced.
	r = avmsh(t, env, "Y = 5.\nY * 2.\nself() ! x, flush().\n", "shell", e.Name, "--evaluator", "go")
	if r.code != 0 || !strings.Contains(r.out, prompt+"2> 10\n") || !strings.Contains(r.out, "Shell got x\nok\n") {
		t.Fatalf("go evaluator script: %+v", r)
	}
	// The target survives both sessions.
	if got := e.Eval(t, "1 + 1"); got != "2" {
		t.Fatalf("target after the shells: %s", got)
	}
}

// tmuxSession drives a program in a detached tmux session.
type tmuxSession struct {
	t      *testing.T
	bin    string
	socket string
	name   string
}

func startTmux(t *testing.T, width, height int, env []string, argv ...string) *tmuxSession {
	t.Helper()
	bin := erltest.RequireProgram(t, "tmux")
	s := &tmuxSession{t: t, bin: bin, socket: "avmsh-test-" + erltest.RandomName("s"), name: "main"}
	cmdline := "env " + strings.Join(env, " ") + " " + strings.Join(argv, " ")
	out, err := exec.Command(bin, "-L", s.socket, "new-session", "-d", "-s", s.name,
		"-x", strconv.Itoa(width), "-y", strconv.Itoa(height), cmdline).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(bin, "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"-L", s.socket, "send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command(s.bin, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command(s.bin, "-L", s.socket, "capture-pane", "-p", "-t", s.name).Output()
	return string(out)
}

// waitFor polls the screen until cond holds.
func (s *tmuxSession) waitFor(what string, d time.Duration, cond func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		sc := s.screen()
		if cond(sc) {
			return sc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; screen:\n%s", what, sc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dead reports whether the program in the session has exited.
func (s *tmuxSession) dead() bool {
	out, err := exec.Command(s.bin, "-L", s.socket, "list-panes", "-t", s.name, "-F", "#{pane_dead}").Output()
	return err != nil || len(out) == 0 || strings.TrimSpace(string(out)) == "1"
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

func countOf(sub string, n int) func(string) bool {
	return func(s string) bool { return strings.Count(s, sub) >= n }
}

// TestShellInteractive drives `avmsh shell NODE` in a real terminal
// (tmux) against a real erl node: multi-line input, Tab completion,
// history, remote io:format while typing, self() ! x + flush(), Ctrl-C
// during timer:sleep(60000), and q(), which leaves without stopping the
// node.
func TestShellInteractive(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	state := t.TempDir()
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE=" + e.Cookie, "XDG_STATE_HOME=" + state, "TERM=xterm"}
	s := startTmux(t, 140, 45, env, bin, "shell", e.Name)
	p := "(" + e.Name + ")"
	s.waitFor("the first prompt", 20*time.Second, contains(p+"1>"))

	// Multi-line input: the command runs once the dot arrives.
	s.keys("X = [1, 2,", "Enter")
	s.keys("3].", "Enter")
	s.waitFor("the multi-line result", 10*time.Second, contains("[1,2,3]"))

	// Tab completion of a Mod:function from the target.
	s.keys("lists:reve", "Tab")
	s.waitFor("completion of lists:reve", 10*time.Second, contains("lists:reverse("))
	s.keys("X).", "Enter")
	s.waitFor("the completed call", 10*time.Second, contains("[3,2,1]"))

	// History: Up recalls the previous command.
	s.keys("Up")
	s.waitFor("history recall", 5*time.Second, contains(p+"3> lists:reverse(X)."))
	s.keys("Enter")
	s.waitFor("the recalled command", 10*time.Second, countOf("[3,2,1]", 2))

	// Remote io:format while the user is typing: it appears above the
	// prompt and the half-typed line survives.
	s.keys("spawn(fun() -> timer:sleep(1500), io:format(\"tick from ~p~n\", [node()]) end).", "Enter")
	s.waitFor("the spawn", 10*time.Second, contains("<"))
	s.keys("atom_")
	s.waitFor("the remote output", 10*time.Second, contains("tick from '"+e.Name+"'"))
	s.keys("to_list(abc).", "Enter")
	s.waitFor("the line typed across the output", 10*time.Second, contains("\"abc\""))

	// Messages to the shell process.
	s.keys("self() ! x, flush().", "Enter")
	s.waitFor("flush", 10*time.Second, contains("Shell got x"))

	// Ctrl-C interrupts a long evaluation; the shell goes on.
	s.keys("timer:sleep(60000).", "Enter")
	time.Sleep(700 * time.Millisecond)
	s.keys("C-c")
	s.waitFor("the interrupted evaluation", 10*time.Second, contains("exception exit: killed"))
	s.keys("1 + 1.", "Enter")
	s.waitFor("a command after Ctrl-C", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc[strings.LastIndex(sc, "killed"):], "2")
	})

	// q(). leaves; the node lives on; history was saved.
	s.keys("q().", "Enter")
	s.waitFor("the shell to exit", 10*time.Second, func(string) bool { return s.dead() })
	if got := e.Eval(t, "1 + 1"); got != "2" {
		t.Fatalf("the target did not survive q(): %s", got)
	}
	hist, err := os.ReadFile(filepath.Join(state, "avmsh", "history"))
	if err != nil || !strings.Contains(string(hist), "lists:reverse(X).") {
		t.Fatalf("history file: %v\n%s", err, hist)
	}
}
