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

// buildAvmsh builds the avmsh binary into a temporary directory.
func buildAvmsh(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "avmsh")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/avmsh/avmsh/cmd/avmsh").CombinedOutput()
	if err != nil {
		t.Fatalf("build avmsh: %v\n%s", err, out)
	}
	return bin
}

// tmux drives a program in a detached tmux session on a private server.
type tmux struct {
	t      *testing.T
	bin    string
	socket string
}

func startTmux(t *testing.T, env []string, argv ...string) *tmux {
	t.Helper()
	bin := erltest.RequireProgram(t, "tmux")
	s := &tmux{t: t, bin: bin, socket: "avmsh-shellcmd-" + erltest.RandomName("s")}
	cmdline := "env " + strings.Join(env, " ") + " " + strings.Join(argv, " ")
	if out, err := exec.Command(bin, "-L", s.socket, "new-session", "-d", "-s", "main", "-x", "120", "-y", "50", cmdline).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(bin, "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmux) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"-L", s.socket, "send-keys", "-t", "main"}, keys...)
	if out, err := exec.Command(s.bin, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

func (s *tmux) screen() string {
	out, _ := exec.Command(s.bin, "-L", s.socket, "capture-pane", "-p", "-J", "-S", "-200", "-t", "main").Output()
	return string(out)
}

func (s *tmux) dead() bool {
	out, err := exec.Command(s.bin, "-L", s.socket, "list-panes", "-t", "main", "-F", "#{pane_dead}").Output()
	return err != nil || len(out) == 0 || strings.TrimSpace(string(out)) == "1"
}

// waitFor polls the screen until cond holds.
func (s *tmux) waitFor(what string, cond func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sc := s.screen()
		if cond(sc) {
			return sc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; screen:\n%s", what, sc)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmux) waitText(sub string) string {
	s.t.Helper()
	return s.waitFor(strconv.Quote(sub), func(sc string) bool { return strings.Contains(sc, sub) })
}

// after is the screen after the last occurrence of mark.
func after(sc, mark string) string {
	if i := strings.LastIndex(sc, mark); i >= 0 {
		return sc[i+len(mark):]
	}
	return ""
}

const sleepers = "length([P || P <- processes(), process_info(P, current_function) =:= {current_function, {timer, sleep, 1}}])"

// TestGoEvaluatorInTerminal drives `avmsh shell NODE --evaluator go`
// (avmsh's evaluator, module calls over erpc, as on AtomVM) in a real
// terminal against a real erl node: a multi-row command recalled as one
// history entry, Ctrl-R, Tab listing Mod:functions with arities, remote
// io:format while typing, a remote io:get_line prompt, Ctrl-C during
// timer:sleep(60000) killing the remote process, the shell process
// killed by a link while idle, flush(), q().
func TestGoEvaluatorInTerminal(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	state := t.TempDir()
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE=" + e.Cookie, "XDG_STATE_HOME=" + state, "TERM=xterm"}
	s := startTmux(t, env, bin, "shell", e.Name, "--evaluator", "go")
	p := "(" + e.Name + ")"
	s.waitText(p + "1>")

	// A multi-row command: Enter before the dot starts a new row.
	s.keys("L = [1, 2,", "Enter")
	s.waitText(strings.Repeat(" ", len(p)) + "> ")
	s.keys("3].", "Enter")
	s.waitText("[1,2,3]")
	// Up recalls it whole; it runs again as one command.
	s.keys("Up")
	s.waitText(p + "2> L = [1, 2,\n")
	s.keys("Enter")
	s.waitFor("the recalled command", func(sc string) bool { return strings.Count(sc, "[1,2,3]") == 2 })

	// Tab lists lists:s* with arities, then completes a unique prefix.
	s.keys("lists:s", "Tab")
	s.waitText("seq/2")
	s.waitText("sublist/3")
	s.keys("u", "Tab")
	s.waitText(p + "3> lists:su")
	s.keys("m", "Tab")
	s.waitText(p + "3> lists:sum(")
	s.keys("L).", "Enter")
	s.waitText("\n6\n")

	// Ctrl-R finds the multi-row command again.
	s.keys("C-r", "= [1")
	s.waitText("(reverse-i-search)`= [1': L = [1, 2,")
	s.keys("C-g", "C-u")

	// Remote output while typing: above the prompt, the line survives.
	// (a process spawned on the target has the shell's group leader;
	// the test makes it print while "atom_to_" is typed)
	s.keys("register(ticker, spawn(timer, sleep, [60000])).", "Enter")
	s.waitText(p + "5>")
	s.keys("atom_to_")
	s.waitText(p + "5> atom_to_")
	e.Eval(t, "{group_leader, G} = process_info(whereis(ticker), group_leader), io:format(G, \"tick~n\", [])")
	s.waitText("tick\n" + p + "5> atom_to_")
	e.Eval(t, "exit(whereis(ticker), kill)")
	s.keys("list(abc).", "Enter")
	s.waitText("\"abc\"")

	// A remote io:get_line prompts here.
	s.keys("io:get_line(\"Name? \").", "Enter")
	s.waitText("Name? ")
	s.keys("joe", "Enter")
	s.waitText("\"joe\\n\"")

	// Ctrl-C during a long call kills the remote erpc process.
	s.keys("timer:sleep(60000).", "Enter")
	deadline := time.Now().Add(10 * time.Second)
	for e.Eval(t, sleepers) != "1" {
		if time.Now().After(deadline) {
			t.Fatalf("the sleep never started on %s; screen:\n%s", e.Name, s.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.keys("C-c")
	s.waitText("** exception exit: killed")
	for e.Eval(t, sleepers) != "0" {
		if time.Now().After(deadline) {
			t.Fatalf("the interrupted sleep still runs on %s", e.Name)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Messages to the shell process; the process killed by a link.
	s.keys("self() ! x, flush().", "Enter")
	s.waitText("Shell got x\nok")
	s.keys("Me = self(), P = spawn(timer, sleep, [60000]), register(victim, P), link(P).", "Enter")
	s.waitFor("the link", func(sc string) bool { return strings.Contains(after(sc, "link(P)."), "true") })
	e.Eval(t, "exit(whereis(victim), late)")
	s.waitText("** exception exit: late")
	s.keys("self() =:= Me.", "Enter")
	s.waitFor("a new shell process", func(sc string) bool { return strings.Contains(after(sc, "self() =:= Me."), "false") })

	s.keys(":nodes", "Enter")
	s.waitText("* " + e.Name)
	s.keys("q().", "Enter")
	s.waitFor("the shell to exit", func(string) bool { return s.dead() })
	if got := e.Eval(t, "1 + 1"); got != "2" {
		t.Fatalf("the target did not survive: %s", got)
	}
	hist, err := os.ReadFile(filepath.Join(state, "avmsh", "history"))
	if err != nil || !strings.Contains(string(hist), "L = [1, 2,\\n3].\n") {
		t.Fatalf("history file (a multi-row command is one line): %v\n%s", err, hist)
	}
}

// TestScriptMetaCommands runs a script through `avmsh shell` with the Go
// evaluator: meta-commands work without a terminal and print no escape
// codes; an exception makes the exit code 1.
func TestScriptMetaCommands(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	cmd := exec.Command(bin, "shell", e.Name, "--evaluator", "go")
	cmd.Env = append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE="+e.Cookie, "XDG_STATE_HOME="+t.TempDir())
	cmd.Stdin = strings.NewReader(":help\n:nodes\nX = 2.\n:bogus\nX + 1.\nlists:nth(0, []).\n")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	o := string(out)
	for _, want := range []string{":connect NODE", "* " + e.Name, "unknown meta-command :bogus", "(" + e.Name + ")2> 3\n", "** exception error: no function clause matching lists:nth(0,[])"} {
		if !strings.Contains(o, want) {
			t.Errorf("missing %q in\n%s", want, o)
		}
	}
	if strings.Contains(o, "\x1b") {
		t.Errorf("escape codes in a script's output:\n%q", o)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}
