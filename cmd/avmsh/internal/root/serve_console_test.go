//go:build !windows

package root

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// lockedBuf collects a process's output.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeConsoleVisible (defect 26): the console text a board sends
// to `avmsh serve --listen serial:PORT` reaches stderr with its control
// characters shown (^[, ^G, \xNN), so the board cannot drive the
// terminal; --raw prints the bytes as they came.
func TestServeConsoleVisible(t *testing.T) {
	bin := buildAvmsh(t)
	noise := "\x1b[2J\x1b]0;pwned\x07 \x9b31m caf\xc3\xa9 end-of-noise\r\n"
	run := func(extra ...string) string {
		pa, pb := serialtest.SocatPair(t)
		epmdPort, err := erltest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		args := append([]string{"serve", "--name", "hub_" + erltest.RandomName("s") + "@serial.local", "--cookie", "c", "--listen", "serial:" + pb}, extra...)
		serve := exec.CommandContext(ctx, bin, args...)
		serve.Env = append(os.Environ(), fmt.Sprintf("ERL_EPMD_PORT=%d", epmdPort))
		var stderr lockedBuf
		serve.Stderr, serve.Stdout = &stderr, io.Discard
		if err := serve.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = serve.Process.Signal(os.Interrupt)
			_ = serve.Wait()
		}()
		wait := func(what string) {
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(stderr.String(), what) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q on serve's stderr:\n%q", what, stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		wait("accepting on serial")
		board, err := os.OpenFile(pa, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer board.Close()
		if _, err := board.WriteString(noise); err != nil {
			t.Fatal(err)
		}
		wait("end-of-noise")
		return stderr.String()
	}
	got := run()
	if !strings.Contains(got, `^[[2J^[]0;pwned^G \x9b31m café end-of-noise`) {
		t.Fatalf("serve's console line: %q", got)
	}
	if strings.IndexByte(got, 0x1b) >= 0 || strings.IndexByte(got, 0x07) >= 0 || strings.IndexByte(got, 0x9b) >= 0 {
		t.Fatalf("serve let a control character through: %q", got)
	}
	if got := run("--raw"); !strings.Contains(got, strings.TrimSuffix(noise, "\r\n")) {
		t.Fatalf("serve --raw should print the bytes as they came: %q", got)
	}
}
