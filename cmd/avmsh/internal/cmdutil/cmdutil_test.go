package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

func testFactory(env map[string]string, home string, stdin string) *Factory {
	return &Factory{
		Version: "test",
		IO:      &IOStreams{In: strings.NewReader(stdin), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}},
		Getenv:  func(k string) string { return env[k] },
		HomeDir: func() (string, error) { return home, nil },
	}
}

func TestPositionalArgs(t *testing.T) {
	check := func(use string, least, most int, args []string, want string) {
		t.Helper()
		cmd := &cobra.Command{Use: use}
		err := PositionalArgs(least, most)(cmd, args)
		if want == "" {
			if err != nil {
				t.Errorf("%s %q: %v", use, args, err)
			}
			return
		}
		if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--help") {
			t.Errorf("%s %q: got %v, want %q", use, args, err, want)
		}
	}
	check("rpc NODE MODULE FUNCTION [ARG ...]", 3, -1, []string{"n"}, "rpc: missing MODULE FUNCTION")
	check("rpc NODE MODULE FUNCTION [ARG ...]", 3, -1, []string{"n", "m", "f", "a", "b"}, "")
	check("ping NODE...", 1, -1, nil, "ping: missing NODE\nusage: ping NODE...")
	check("serve", 0, 0, []string{"x"}, `serve takes no arguments (got "x")`)
	check("shell [NODE]", 0, 1, []string{"a", "b"}, `shell: unexpected argument "b"`)
	check("odd", 2, 2, nil, "odd: needs at least 2 arguments (got 0)")
}

func TestInputs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.erl")
	if err := os.WriteFile(file, []byte("{a, 1}.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := &Inputs{Stdin: strings.NewReader("[1,2]")}
	ts, err := in.Terms([]string{"x", "@" + file, "-"}, syntax.NodeContext{})
	want := []term.Term{term.Atom("x"), term.Tuple{term.Atom("a"), term.Int(1)}, term.List{term.Int(1), term.Int(2)}}
	if err != nil || len(ts) != 3 || !term.ExactEqual(term.List(ts), term.List(want)) {
		t.Fatalf("Terms: %v %v", ts, err)
	}
	// Over the limit: a clear usage error, nothing cut.
	in = &Inputs{Stdin: strings.NewReader(strings.Repeat("x", 11)), Limit: 10}
	if _, err := in.Read("the expressions", "-"); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "more than 10 bytes") {
		t.Fatalf("over the limit: %v", err)
	}
	in = &Inputs{Stdin: strings.NewReader(strings.Repeat("x", 10)), Limit: 10}
	if b, err := in.Read("x", "-"); err != nil || len(b) != 10 {
		t.Fatalf("at the limit: %d %v", len(b), err)
	}
	in = &Inputs{Stdin: strings.NewReader("\x00\xff"), Binary: true}
	if v, err := in.Term(1, "-", syntax.NodeContext{}); err != nil || !term.ExactEqual(v, term.Binary("\x00\xff")) {
		t.Fatalf("binary: %v %v", v, err)
	}
	if _, err := in.Term(2, "-", syntax.NodeContext{}); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "already read by argument 1") {
		t.Fatalf("stdin twice: %v", err)
	}
	if IsSource("@") || !IsSource("@f") || !IsSource("-") || IsSource("-1") {
		t.Fatal("IsSource")
	}
	if err := CheckUTF8("x", []byte("ab\xffc")); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "0xff at offset 2") {
		t.Fatalf("CheckUTF8: %v", err)
	}
}

func TestAtomArg(t *testing.T) {
	for s, want := range map[string]term.Atom{"lists": "lists", "'Elixir.Foo'": "Elixir.Foo", "Elixir.Foo": "Elixir.Foo", "é": "é"} {
		if a, err := AtomArg("MODULE", s); err != nil || a != want {
			t.Errorf("%q: %q %v", s, a, err)
		}
	}
	for _, s := range []string{"", "m\xff", strings.Repeat("é", 256), "'" + strings.Repeat("a", 256) + "'"} {
		if _, err := AtomArg("MODULE", s); ExitCode(err) != ExitUsage {
			t.Errorf("%q: %v", s, err)
		}
	}
}

func TestResolveCookie(t *testing.T) {
	home := t.TempDir()
	f := testFactory(map[string]string{"AVMSH_COOKIE": "from_env"}, home, "")
	if c, src, err := ResolveCookie(f, "from_flag"); c != "from_flag" || src != CookieFromFlag || err != nil {
		t.Fatalf("flag: %q %q %v", c, src, err)
	}
	if c, src, err := ResolveCookie(f, ""); c != "from_env" || src != CookieFromEnv || err != nil {
		t.Fatalf("env: %q %q %v", c, src, err)
	}
	f = testFactory(nil, home, "")
	c, src, err := ResolveCookie(f, "")
	if err != nil || src != CookieFromFile || len(c) != 20 {
		t.Fatalf("created file: %q %q %v", c, src, err)
	}
	path := filepath.Join(home, ".erlang.cookie")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = ResolveCookie(f, "")
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "chmod 400 "+path) || !strings.Contains(err.Error(), "--cookie") {
		t.Fatalf("readable by others: %v", err)
	}
	// The flag and the environment do not read the file.
	if c, _, err := ResolveCookie(f, "flag"); err != nil || c != "flag" {
		t.Fatalf("flag with a bad file: %q %v", c, err)
	}
}

func TestNodeConfig(t *testing.T) {
	f := testFactory(map[string]string{"AVMSH_COOKIE": "c", "ERL_EPMD_PORT": "4370"}, t.TempDir(), "")
	o := &NodeOptions{Name: "me", TLSCert: "cert.pem", Visible: true}
	cfg, err := o.NodeConfig(f, "127.0.0.1", true)
	if err != nil || cfg.Name != "me@127.0.0.1" || cfg.Cookie != "c" || !cfg.Visible || !cfg.Listen ||
		cfg.TLS == nil || cfg.TLS.CertFile != "cert.pem" || cfg.Console == nil || cfg.Version != "test" {
		t.Fatalf("config: %+v %v", cfg, err)
	}
	// Console text goes to stderr shown visibly, or as it came with
	// RawConsole (serve --raw).
	errOut := f.IO.ErrOut.(*bytes.Buffer)
	if _, err := cfg.Console.Write([]byte("\x1b[31mred\x07 caf\xc3")); err != nil {
		t.Fatal(err)
	}
	if got := errOut.String(); got != "^[[31mred^G caf" {
		t.Fatalf("console text before the end of é: %q", got)
	}
	cfg.Console.Write([]byte("\xa9\r"))
	cfg.Console.(interface{ Flush() error }).Flush()
	if got := errOut.String(); got != "^[[31mred^G café^M" {
		t.Fatalf("console text after Flush: %q", got)
	}
	errOut.Reset()
	o.RawConsole = true
	if cfg, _ = o.NodeConfig(f, "127.0.0.1", true); cfg.Console != f.IO.ErrOut {
		t.Fatalf("RawConsole: console writer %T", cfg.Console)
	}
	o = &NodeOptions{}
	cfg, err = o.NodeConfig(f, "serial.local", false)
	if err != nil || !strings.HasPrefix(cfg.Name, "avmsh_") || !strings.HasSuffix(cfg.Name, "@serial.local") || cfg.Listen {
		t.Fatalf("serial peer: %+v %v", cfg, err)
	}
	o = &NodeOptions{SName: "bad name"}
	if _, err := o.NodeConfig(f, "", false); ExitCode(err) != ExitUsage {
		t.Fatalf("bad name: %v", err)
	}
	o = &NodeOptions{Address: "127.0.0.1:9"}
	tg, err := o.ParseTarget("app@h")
	if err != nil || tg.Address != "127.0.0.1:9" {
		t.Fatalf("--address: %+v %v", tg, err)
	}
	if _, err := o.ParseTarget("@h"); ExitCode(err) != ExitUsage {
		t.Fatalf("bad target: %v", err)
	}
}

func TestCallErrorAndStatus(t *testing.T) {
	var errOut bytes.Buffer
	if code := Status(t.Context(), &errOut, TimedOut(errors.New("slow"))); code != ExitTimeout || errOut.String() != "avmsh: slow\n" {
		t.Fatalf("status: %d %q", code, errOut.String())
	}
	if CallError(errors.New("other")) != nil {
		t.Fatal("CallError of a plain error")
	}
}

// After Ctrl-C every error exits 130 and says it was interrupted; what
// became of a call is said once.
func TestStatusInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	mfa := rpc.MFA{Node: "app@h", Module: "timer", Function: "sleep", Arity: 1}
	for _, c := range []struct {
		err  error
		want string
	}{
		{TimedOut(&rpc.CanceledError{Call: mfa, Sent: true, Killed: true, Cause: context.Canceled}),
			"avmsh: interrupted: timer:sleep/1 on app@h did not finish; its process there was killed\n"},
		{CallError(&rpc.CanceledError{Call: mfa, Sent: true, Cause: context.Canceled}),
			"avmsh: interrupted: timer:sleep/1 on app@h did not finish and may still be running there (the node cannot be told to stop it); its result is lost\n"},
		{CallError(&rpc.CanceledError{Call: mfa, Cause: context.Canceled}), "avmsh: interrupted: timer:sleep/1 was not sent to app@h\n"},
		{Unreachable(errors.New("read: i/o timeout")), "avmsh: interrupted: read: i/o timeout\n"},
		{fmt.Errorf("wait: %w", context.Canceled), "avmsh: interrupted\n"},
		{Interrupted(nil, "while connecting"), "avmsh: interrupted: while connecting\n"},
	} {
		var errOut bytes.Buffer
		if code := Status(ctx, &errOut, c.err); code != ExitInterrupted || errOut.String() != c.want {
			t.Errorf("%v: %d %q, want 130 %q", c.err, code, errOut.String(), c.want)
		}
	}
	// Not interrupted: a call's own timeout keeps its code.
	var errOut bytes.Buffer
	if code := Status(t.Context(), &errOut, CallError(&rpc.TimeoutError{Call: mfa})); code != ExitTimeout {
		t.Errorf("timeout: %d %q", code, errOut.String())
	}
}
