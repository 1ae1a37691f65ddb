//go:build !windows

package root

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// buildAvmsh builds the avmsh binary into a temporary directory.
func buildAvmsh(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "avmsh")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/avmsh/avmsh/cmd/avmsh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestCLIOverSerial runs `avmsh serve --listen serial:B` as its own
// process and talks to it from this process over the other end of a
// socat pty pair, as a user would with a board on /dev/ttyUSB0:
// ping, rpc (output, a 900 KiB argument, a 2 MiB one refused with a
// clear error) and send, each learning the node name from the
// handshake.
func TestCLIOverSerial(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	bin := buildAvmsh(t)
	cookie := "serial_" + erltest.RandomName("c")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--name", "hub@serial.local", "--cookie", cookie,
		"--listen", "serial:"+pb)
	epmdPort, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	serve.Env = append(os.Environ(), fmt.Sprintf("ERL_EPMD_PORT=%d", epmdPort))
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	serve.Stdout = io.Discard
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = serve.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = serve.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = serve.Process.Kill()
			<-done
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var log strings.Builder
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "accepting on serial") {
				select {
				case ready <- log.String():
				default:
				}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("avmsh serve did not report listening on the serial port")
	}

	env := map[string]string{"AVMSH_COOKIE": cookie}
	target := "serial:" + pa
	r := avmsh(t, env, "", "ping", target, "--timeout", "20s")
	if r.code != 0 || !strings.Contains(r.out, "hub@serial.local") || !strings.Contains(r.out, "pong") {
		t.Fatalf("ping over serial: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", target, "erlang", "node", "--timeout", "20s")
	if r.code != 0 || r.out != "'hub@serial.local'\n" {
		t.Fatalf("rpc over serial: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", target, "erlang", "system_info", "machine", "--timeout", "20s")
	if r.code != 0 || r.out != "\"AVMSH\"\n" {
		t.Fatalf("rpc system_info over serial: %+v", r)
	}
	// 900 KiB fits one serial frame (1 MiB); 2 MiB does not and is
	// refused before anything is sent, with the reason.
	big := func(n int) string { return "<<\"" + strings.Repeat("a", n) + "\">>" }
	r = avmsh(t, env, "", "rpc", target, "erlang", "byte_size", big(900<<10), "--timeout", "60s")
	if r.code != 0 || r.out != fmt.Sprintf("%d\n", 900<<10) {
		t.Fatalf("900 KiB rpc over serial: code %d out %q err %q", r.code, r.out, r.err)
	}
	r = avmsh(t, env, "", "rpc", target, "erlang", "byte_size", big(2<<20), "--timeout", "20s")
	if r.code == 0 || !strings.Contains(r.err, "does not fit") || !strings.Contains(r.err, "1 MiB") {
		t.Fatalf("2 MiB rpc over serial: code %d out %q err %q", r.code, r.out, r.err)
	}
	// A wrong cookie is told as such.
	r = avmsh(t, map[string]string{"AVMSH_COOKIE": "wrong"}, "", "ping", target, "--timeout", "20s")
	if r.code != 3 || !strings.Contains(r.out, "pang") {
		t.Fatalf("wrong cookie over serial: %+v", r)
	}
	r = avmsh(t, env, "", "send", target, "rex", "hello", "--timeout", "20s")
	if r.code != 0 {
		t.Fatalf("send over serial: %+v", r)
	}
	// The deep probe finds the node on the port, its name and kind.
	r = avmsh(t, env, "", "devices", "--deep", "--cookie", cookie, "-o", "json", pa)
	if r.code != 0 || !strings.Contains(r.out, `"name": "hub@serial.local"`) || !strings.Contains(r.out, `"machine": "AVMSH"`) {
		t.Fatalf("devices --deep: %+v", r)
	}
}
