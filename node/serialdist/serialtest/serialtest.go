//go:build !windows

package serialtest

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

var ptyLine = regexp.MustCompile(`PTY is (\S+)`)

// SocatPair starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and
// returns the paths of the two linked ptys once socat is transferring
// data. socat is stopped when the test ends. Without socat the test is
// skipped, or fails under CI (erltest.RequireProgram).
func SocatPair(tb testing.TB) (string, string) {
	tb.Helper()
	bin := erltest.RequireProgram(tb, "socat")
	cmd := exec.Command(bin, "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start socat: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 8)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody listens any more; keep draining
			}
		}
	}()
	var paths []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				tb.Fatalf("socat exited before it was ready (paths so far: %v)", paths)
			}
			if m := ptyLine.FindStringSubmatch(l); m != nil {
				paths = append(paths, m[1])
			}
			if strings.Contains(l, "starting data transfer loop") && len(paths) == 2 {
				return paths[0], paths[1]
			}
		case <-timeout:
			tb.Fatalf("socat did not report two ptys within 10 s (got %v)", paths)
		}
	}
}
