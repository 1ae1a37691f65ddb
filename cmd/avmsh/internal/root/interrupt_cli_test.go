//go:build !windows

package root

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// waiter registers itself under Name and waits forever: the tests see
// on the erl node that the call runs, and that Ctrl-C ended it.
const waiterSrc = `-module(waiter).
-export([wait/1]).
wait(Name) -> register(Name, self()), receive never -> ok end.
`

// countingListener accepts TCP connections and never answers (a node
// whose handshake hangs); accepted counts them.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			accepted.Add(1)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), accepted
}

// interruptCase is one command stopped by Ctrl-C while it waits.
type interruptCase struct {
	name  string
	args  []string
	stdin string
	// ready reports that the command is waiting (stdout, stderr so
	// far); the test then sends SIGINT.
	ready func(out, errOut string) bool
	// want is in the message after "avmsh: interrupted".
	want string
	// gone, when set, is the name the remote call registered on erl:
	// it must be gone (the remote process killed) after the interrupt.
	gone string
}

// Issue: Ctrl-C during `avmsh rpc NODE timer sleep 3000` exited 4 with
// "timed out (the remote process was killed)". Every command that waits
// (on a call, a connection, a board) exits 130 on Ctrl-C, says it was
// interrupted and what became of the remote operation. Through the
// built binary, SIGINT to its process group as a terminal sends it,
// against a real erl, a silent TCP peer and a silent serial port.
func TestCLIInterrupted(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"waiter": waiterSrc}})
	bin := buildAvmsh(t)
	dir := t.TempDir()
	beam := erlcModule(t, dir, "intr_mod", "-module(intr_mod).\n-export([v/0]).\nv() -> 1.\n")
	avmFile := filepath.Join(dir, "app.avm")
	if err := os.WriteFile(avmFile, append([]byte("#!/usr/bin/env AtomVM\n"), make([]byte, 64)...), 0o644); err != nil {
		t.Fatal(err)
	}
	silent, accepted := countingListener(t)
	pa, _ := serialtest.SocatPair(t)
	env := append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE="+e.Cookie,
		"HOME="+dir, "XDG_STATE_HOME="+filepath.Join(dir, "state"))

	// registered reports whether name is registered on the erl node.
	registered := func(name string) bool {
		return e.Eval(t, "whereis("+name+") =/= undefined.") == "true"
	}
	running := func(name string) func(string, string) bool {
		return func(string, string) bool { return registered(name) }
	}
	var base int64
	connecting := func(string, string) bool { return accepted.Load() > base }
	says := func(s string) func(string, string) bool {
		return func(out, errOut string) bool { return strings.Contains(out+errOut, s) }
	}
	hung := []string{"hung@127.0.0.1", "--address", silent}
	cases := []interruptCase{
		{name: "rpc", args: []string{"rpc", e.Name, "waiter", "wait", "w_rpc"}, ready: running("w_rpc"),
			want: "waiter:wait/1 on " + e.Name + " did not finish; its process there was killed", gone: "w_rpc"},
		{name: "rpc-rex", args: []string{"rpc", "--rex", e.Name, "waiter", "wait", "w_rex"}, ready: running("w_rex"),
			want: "waiter:wait/1 on " + e.Name + " did not finish and may still be running there"},
		{name: "eval", args: []string{"eval", e.Name, "waiter:wait(w_eval)."}, ready: running("w_eval"),
			want: "waiter:wait/1 on " + e.Name + " did not finish; its process there was killed", gone: "w_eval"},
		{name: "shell-remote", args: []string{"shell", e.Name}, stdin: "waiter:wait(w_sh).\n", ready: running("w_sh"),
			want: "the commands from stdin stopped; OTP's shell on " + e.Name + " was closed", gone: "w_sh"},
		{name: "shell-go", args: []string{"shell", e.Name, "--evaluator", "go"}, stdin: "waiter:wait(w_go).\n", ready: running("w_go"),
			want: "waiter:wait/1 on " + e.Name + " did not finish; its process there was killed", gone: "w_go"},
		{name: "rpc-connecting", args: append([]string{"rpc"}, append(hung, "erlang", "node")...), ready: connecting,
			want: "while connecting to hung@127.0.0.1; nothing was sent"},
		{name: "send-connecting", args: append([]string{"send"}, append(hung, "x", "y")...), ready: connecting,
			want: "while connecting to hung@127.0.0.1; nothing was sent"},
		{name: "ping", args: append([]string{"ping"}, hung...), ready: connecting, want: "no answer yet from hung@127.0.0.1"},
		{name: "nodes", args: append([]string{"nodes"}, hung...), ready: connecting, want: "while connecting to hung@127.0.0.1"},
		{name: "top-connecting", args: append([]string{"top"}, hung...), ready: connecting, want: "while connecting to hung@127.0.0.1"},
		{name: "top", args: []string{"top", e.Name, "--interval", "100ms"}, ready: says("PID"), want: "top stopped after"},
		{name: "load", args: append([]string{"load"}, append(hung, beam)...), ready: connecting, want: "while connecting to hung@127.0.0.1; nothing was sent"},
		{name: "monitor", args: []string{"monitor", pa}, ready: says("--- avmsh monitor on"), want: "the monitor on " + pa + " stopped"},
		{name: "flash", args: []string{"flash", pa, avmFile}, ready: says("Connecting to"), want: "the flash of " + pa + " stopped at sync; nothing was being written"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base = accepted.Load()
			code, out, errOut := runInterrupted(t, bin, env, c)
			if code != cmdutil.ExitInterrupted || !strings.Contains(errOut, "avmsh: interrupted: "+c.want) {
				t.Errorf("exit %d, stderr %q (stdout %q); want 130 and %q", code, errOut, out, c.want)
			}
			if c.gone == "" {
				return
			}
			deadline := time.Now().Add(erltest.Timeout(30 * time.Second))
			for registered(c.gone) {
				if time.Now().After(deadline) {
					t.Fatalf("%s still runs on %s after the interrupt", c.gone, e.Name)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// runInterrupted starts the binary in its own process group, waits
// until c.ready, sends SIGINT to the group and returns the exit code
// and output.
func runInterrupted(t *testing.T, bin string, env []string, c interruptCase) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, c.args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(c.stdin)
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	kill := func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-done }
	deadline := time.Now().Add(erltest.Timeout(60 * time.Second))
	for !c.ready(out.String(), errOut.String()) {
		select {
		case err := <-done:
			t.Fatalf("%q ended before it waited: %v\nstdout %q\nstderr %q", c.args, err, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			kill()
			t.Fatalf("%q never got to wait: stdout %q, stderr %q", c.args, out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		return code, out.String(), errOut.String()
	case <-time.After(erltest.Timeout(60 * time.Second)):
		kill()
		t.Fatalf("%q did not end on SIGINT: stdout %q, stderr %q", c.args, out.String(), errOut.String())
	}
	return 0, "", ""
}
