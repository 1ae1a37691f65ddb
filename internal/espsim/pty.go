//go:build !windows

package espsim

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/avmsh/avmsh/internal/erltest"
)

var ptyLine = regexp.MustCompile(`PTY is (\S+)`)

// StartPTY runs the simulator on one end of a socat pty pair
// (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`) and returns the other
// end's path, for clients that open a device by name (esptool-js under
// Node, avmsh flash). A pty has no modem lines: give the simulator
// Config.InLoader. stop ends the simulator and socat.
func StartPTY(s *Sim) (path string, stop func(), err error) {
	cmd := exec.Command("socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start socat: %w", err)
	}
	kill := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	sc := bufio.NewScanner(stderr)
	var paths []string
	ready := make(chan error, 1)
	go func() {
		for sc.Scan() {
			l := sc.Text()
			if m := ptyLine.FindStringSubmatch(l); m != nil {
				paths = append(paths, m[1])
			}
			if strings.Contains(l, "starting data transfer loop") && len(paths) == 2 {
				ready <- nil
				for sc.Scan() { // keep draining
				}
				return
			}
		}
		ready <- fmt.Errorf("socat exited before it was ready")
	}()
	select {
	case err := <-ready:
		if err != nil {
			kill()
			return "", nil, err
		}
	case <-time.After(10 * time.Second):
		kill()
		return "", nil, fmt.Errorf("socat did not report two ptys within 10 s")
	}
	p, err := serial.Open(paths[1], &serial.Mode{BaudRate: 115200})
	if err != nil {
		kill()
		return "", nil, fmt.Errorf("open %s: %w", paths[1], err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(ctx, p)
	}()
	return paths[0], func() {
		cancel()
		p.Close()
		<-done
		kill()
	}, nil
}

// ServePTY is StartPTY for tests: it stops when the test ends, and
// without socat the test is skipped (or fails under CI=true).
func ServePTY(tb testing.TB, s *Sim) string {
	tb.Helper()
	erltest.RequireProgram(tb, "socat")
	path, stop, err := StartPTY(s)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return path
}
