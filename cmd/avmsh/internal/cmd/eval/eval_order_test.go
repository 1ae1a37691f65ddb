//go:build !windows

package evalcmd_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// TestResultsAsCommandsFinish runs the built avmsh against a real erl
// node (issue 15, defect 3): each command's result is printed when the
// command finishes — the first one while a later one still sleeps —
// and in order with the output the commands cause.
func TestResultsAsCommandsFinish(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bin := filepath.Join(t.TempDir(), "avmsh")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/avmsh/avmsh/cmd/avmsh").CombinedOutput(); err != nil {
		t.Fatalf("build avmsh: %v\n%s", err, out)
	}
	env := append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE="+e.Cookie)

	// The first result arrives while the second command never ends.
	cmd := exec.Command(bin, "eval", e.Name, "first. receive after infinity -> ok end.")
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "first\n" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the first result was not printed while the second command ran")
	}

	second := exec.Command(bin, "eval", e.Name, `1. timer:sleep(100). io:format("x~n"). 2.`)
	second.Env = env
	out, err := second.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, err.(*exec.ExitError).Stderr)
	}
	if got := string(out); got != "1\nok\nx\nok\n2\n" {
		t.Fatalf("output %q, want the results in order with io:format's line", got)
	}
}
