//go:build !windows

package root

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

var loadTestdata = filepath.Join("..", "..", "..", "..", "node", "codeload", "testdata")

func erlcModule(t *testing.T, dir, mod, src string) string {
	t.Helper()
	erltest.RequireProgram(t, "erlc")
	p := filepath.Join(dir, mod+".erl")
	os.WriteFile(p, []byte(src), 0o644)
	if out, err := exec.Command("erlc", "-o", dir, p).CombinedOutput(); err != nil {
		t.Fatalf("erlc: %v\n%s", err, out)
	}
	return filepath.Join(dir, mod+".beam")
}

// TestCLILoad runs `avmsh load` against a real erl node over TCP.
func TestCLILoad(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	dir := t.TempDir()
	beam := erlcModule(t, dir, "cli_mod", "-module(cli_mod).\n-export([v/0]).\nv() -> 1.\n")

	r := avmsh(t, env, "", "load", e.Name, beam)
	if r.code != 0 || !strings.Contains(r.out, "cli_mod → "+e.Name+": loaded") {
		t.Fatalf("load: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", e.Name, "cli_mod", "v")
	if r.code != 0 || r.out != "1\n" {
		t.Fatalf("rpc after load: %+v", r)
	}
	// A changed version, through its directory, JSON output.
	erlcModule(t, dir, "cli_mod", "-module(cli_mod).\n-export([v/0]).\nv() -> 2.\n")
	os.Remove(filepath.Join(dir, "cli_mod.erl"))
	r = avmsh(t, env, "", "load", e.Name, dir, "--output", "json")
	var res []struct{ Node, Module, Status string }
	if r.code != 0 || json.Unmarshal([]byte(r.out), &res) != nil || len(res) != 1 || res[0].Status != "loaded" || res[0].Node != e.Name {
		t.Fatalf("load json: %+v", r)
	}
	if r = avmsh(t, env, "", "rpc", e.Name, "cli_mod", "v"); r.out != "2\n" {
		t.Fatalf("rpc after change: %+v", r)
	}
	// --all: the cluster is the node and the nodes it is connected to.
	e2 := erltest.Start(t, erltest.Options{EpmdPort: e.EpmdPort, Cookie: e.Cookie})
	if _, err := e.Call(context.Background(), fmt.Sprintf("pong = net_adm:ping('%s')", e2.Name)); err != nil {
		t.Fatal(err)
	}
	r = avmsh(t, env, "", "load", "--all", e.Name, beam)
	if r.code != 0 || !strings.Contains(r.out, "cli_mod → "+e2.Name+": loaded") || !strings.Contains(r.out, "cli_mod → "+e.Name+": loaded") {
		t.Fatalf("load --all: %+v", r)
	}
	// A module compiled for a newer OTP: refused before sending, exit 1.
	r = avmsh(t, env, "", "load", e.Name, filepath.Join(loadTestdata, "future.beam"))
	if r.code != 1 || !strings.Contains(r.out, "refused (incompatible)") || !strings.Contains(r.out, "OTP 26") {
		t.Fatalf("future: %+v", r)
	}
	// Bad files: nothing sent, exit 2.
	r = avmsh(t, env, "", "load", e.Name, filepath.Join(loadTestdata, "greeting.beam"))
	if r.code != 2 || !strings.Contains(r.err, "holds module hello") || !strings.Contains(r.err, "nothing was loaded") {
		t.Fatalf("renamed: %+v", r)
	}
	// A node that is down: exit 3.
	r = avmsh(t, env, "", "load", erltest.RandomName("down")+"@127.0.0.1", beam, "--timeout", "10s")
	if r.code != 3 || !strings.Contains(r.out, "unreachable") {
		t.Fatalf("down: %+v", r)
	}
	// --persist needs a board on a serial port: a node over TCP is a
	// usage error, before anything is loaded.
	erlcModule(t, dir, "cli_mod", "-module(cli_mod).\n-export([v/0]).\nv() -> 3.\n")
	r = avmsh(t, env, "", "load", "--persist", e.Name, beam)
	if r.code != 2 || !strings.Contains(r.err, "is reached over the network") || !strings.Contains(r.err, "Nothing was loaded") {
		t.Fatalf("persist: %+v", r)
	}
	if r = avmsh(t, env, "", "rpc", e.Name, "cli_mod", "v"); r.out != "2\n" {
		t.Fatalf("--persist loaded something: %+v", r)
	}
}

// TestCLILoadIntoServeOverSerial: `avmsh serve` on the other end of a
// serial line is reached, identified as an avmsh node, and refused with
// the reason (avmsh runs no BEAM code), exit 1.
func TestCLILoadIntoServeOverSerial(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	bin := buildAvmsh(t)
	cookie := erltest.RandomName("c")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	epmdPort, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	serve := exec.CommandContext(ctx, bin, "serve", "--name", "hub@serial.local", "--cookie", cookie, "--listen", "serial:"+pb)
	serve.Env = append(os.Environ(), fmt.Sprintf("ERL_EPMD_PORT=%d", epmdPort))
	stderr, _ := serve.StderrPipe()
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
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "accepting on serial") {
				once = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("avmsh serve did not start listening")
	}
	r := avmsh(t, map[string]string{"AVMSH_COOKIE": cookie}, "", "load", "serial:"+pa, filepath.Join(loadTestdata, "hello.beam"), "--timeout", "20s")
	if r.code != 1 || !strings.Contains(r.out, "hello → hub@serial.local: refused (no_code_loading)") || !strings.Contains(r.out, "runs no BEAM code") {
		t.Fatalf("load into serve over serial: %+v", r)
	}
}
