package epmdcmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
)

// run executes `avmsh epmd args...` and returns stdout, stderr and the
// exit code.
func run(ctx context.Context, env map[string]string, args ...string) (string, string, int) {
	out, errOut := &erltest.SyncBuffer{}, &erltest.SyncBuffer{}
	f := &cmdutil.Factory{Version: "test", IO: &cmdutil.IOStreams{Out: out, ErrOut: errOut}, Getenv: func(k string) string { return env[k] }}
	cmd := NewCmdEpmd(f)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		var ee *cmdutil.ExitError
		if !errors.As(err, &ee) || !ee.Silent {
			fmt.Fprintf(errOut, "avmsh: %v\n", err)
		}
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startDaemon runs `avmsh epmd` with args in the background until the
// test ends; it returns the exit code channel.
func startDaemon(t *testing.T, port int, args ...string) <-chan int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		_, _, c := run(ctx, nil, append([]string{"-port", strconv.Itoa(port)}, args...)...)
		code <- c
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Error("avmsh epmd did not stop on cancel")
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(5 * time.Second)
	for epmd.Probe(context.Background(), addr) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("avmsh epmd not answering on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return code
}

func TestDaemonWithRealErl(t *testing.T) {
	erltest.Require(t)
	port := freePort(t)
	startDaemon(t, port, "--loopback", "-d")
	n := erltest.Start(t, erltest.Options{EpmdPort: port, NoStartEpmd: true})
	m := erltest.Start(t, erltest.Options{EpmdPort: port, NoStartEpmd: true, Cookie: n.Cookie})
	if got := m.Eval(t, "net_adm:ping('"+n.Name+"')"); got != "pong" {
		t.Fatalf("ping through avmsh epmd = %s", got)
	}
	p := strconv.Itoa(port)
	out, errOut, code := run(context.Background(), nil, "-port", p, "-names")
	if code != 0 || !strings.HasPrefix(out, "epmd: up and running on port "+p+" with data:\n") || !strings.Contains(out, "name "+n.Alive()+" at port ") {
		t.Fatalf("avmsh epmd -names: exit %d, %q %q", code, out, errOut)
	}
	otpOut, err := exec.Command("epmd", "-port", p, "-names").CombinedOutput()
	if err != nil || string(otpOut) != out {
		t.Fatalf("OTP's epmd -names printed %q (%v); avmsh printed %q", otpOut, err, out)
	}
	out, _, code = run(context.Background(), nil, "--port", p, "--kill")
	if code != cmdutil.ExitRemote || out != "Killing not allowed - living nodes in database.\n" {
		t.Fatalf("kill with live nodes: exit %d, %q", code, out)
	}
	_, errOut, code = run(context.Background(), nil, "-port="+p, "-stop", n.Alive())
	if code != cmdutil.ExitRemote || !strings.Contains(errOut, "relaxed_command_check") {
		t.Fatalf("stop without relaxed checking: exit %d, %q", code, errOut)
	}
}

func TestDaemonRelaxedKill(t *testing.T) {
	port := freePort(t)
	code := startDaemon(t, port, "-relaxed_command_check", "-q")
	c := epmd.NewClient(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	r, err := c.Register(context.Background(), epmd.NodeInfo{Name: "held", Port: 1234})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := strconv.Itoa(port)
	if out, _, c := run(context.Background(), nil, "-port", p, "-dump"); c != 0 || !strings.Contains(out, "active name     <held> at port 1234") {
		t.Fatalf("dump: exit %d, %q", c, out)
	}
	if out, _, c := run(context.Background(), nil, "-port", p, "-kill"); c != 0 || out != "Killed\n" {
		t.Fatalf("relaxed kill: exit %d, %q", c, out)
	}
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("daemon exit code after KILL = %d, want 0", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("daemon still running after -kill")
	}
}

// TestClientKillsOTPEpmd: our -kill against OTP's epmd, as OTP's binary.
func TestClientKillsOTPEpmd(t *testing.T) {
	e := erltest.StartEpmd(t)
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.Port)}
	if out, _, c := run(context.Background(), env, "-names"); c != 0 || out != fmt.Sprintf("epmd: up and running on port %d with data:\n", e.Port) {
		t.Fatalf("names from OTP's epmd: exit %d, %q", c, out)
	}
	if out, _, c := run(context.Background(), env, "-kill"); c != 0 || out != "Killed\n" {
		t.Fatalf("kill OTP's epmd: exit %d, %q", c, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for epmd.Probe(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(e.Port))) == nil {
		if time.Now().After(deadline) {
			t.Fatal("OTP's epmd still answers after -kill")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExitCodes(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	_, errOut, code := run(context.Background(), nil, "-port", port, "-names")
	if code != cmdutil.ExitUnreachable || !strings.Contains(errOut, "no epmd listening") {
		t.Fatalf("names with no epmd: exit %d, %q", code, errOut)
	}
	for _, args := range [][]string{
		{"-bogus"}, {"-port", "x"}, {"-port", "70000"}, {"-names", "-kill"}, {"extra"},
		{"--loopback", "-address", "10.0.0.1"}, {"-address", "not-an-ip", "-port", port},
	} {
		_, errOut, code := run(context.Background(), nil, args...)
		want := cmdutil.ExitUsage
		if args[0] == "-address" {
			want = cmdutil.ExitRemote // the server cannot listen
		}
		if code != want {
			t.Errorf("avmsh epmd %v: exit %d, want %d (%q)", args, code, want, errOut)
		}
	}
	_, _, code = run(context.Background(), map[string]string{"ERL_EPMD_PORT": "nope"}, "-names")
	if code != cmdutil.ExitUsage {
		t.Fatalf("bad ERL_EPMD_PORT: exit %d", code)
	}
	out, _, code := run(context.Background(), nil, "--help")
	if code != 0 || !strings.Contains(out, "-relaxed_command_check") {
		t.Fatalf("--help: exit %d, %q", code, out)
	}
	// Ctrl-C.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { _, _, c := run(ctx, nil, "-port", port, "--loopback", "-q"); done <- c }()
	addr := net.JoinHostPort("127.0.0.1", port)
	for deadline := time.Now().Add(5 * time.Second); epmd.Probe(context.Background(), addr) != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("daemon not answering on %s", addr)
		}
	}
	cancel()
	if c := <-done; c != cmdutil.ExitInterrupted {
		t.Fatalf("interrupted daemon: exit %d", c)
	}
	// A port taken by another epmd (last: skipped without OTP).
	e := erltest.StartEpmd(t)
	_, errOut, code = run(context.Background(), nil, "-port", strconv.Itoa(e.Port), "--loopback")
	if code != cmdutil.ExitRemote || !strings.Contains(errOut, "in use") {
		t.Fatalf("port in use: exit %d, %q", code, errOut)
	}
}

// An epmd that does not answer within --timeout is unreachable (3), as
// in every command; 1 is for an epmd that refuses.
func TestClientTimeout(t *testing.T) {
	port := strconv.Itoa(cmdtest.SilentListener(t))
	_, errOut, code := run(context.Background(), nil, "-port", port, "-names", "--timeout", "300ms")
	if code != cmdutil.ExitUnreachable {
		t.Fatalf("names from a silent epmd: exit %d, %q", code, errOut)
	}
}
