package root

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/internal/erltest"
)

// complete runs cobra's hidden __complete command in-process, as the
// shell scripts of `avmsh completion` do, and returns the candidates
// (descriptions cut off) and the directive.
func complete(t *testing.T, env map[string]string, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	start := time.Now()
	r := avmsh(t, env, "", append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %q: %+v", args, r)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	last := lines[len(lines)-1]
	d, err := strconv.Atoi(strings.TrimPrefix(last, ":"))
	if err != nil {
		t.Fatalf("__complete %q: no directive in %q", args, r.out)
	}
	var out []string
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		out = append(out, name)
	}
	t.Logf("__complete %q: %d candidates in %v", args, len(out), time.Since(start).Round(time.Millisecond))
	return out, cobra.ShellCompDirective(d)
}

func TestCompletionAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"h": helpers}, Eval: []string{"register(my_server, spawn(fun() -> receive stop -> ok end end))"}})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	alive := e.Alive()

	// Node names from epmd, bare, then with this machine's hosts.
	got, d := complete(t, env, "rpc", "")
	if !slices.Contains(got, alive) || d != cobra.ShellCompDirectiveNoFileComp {
		t.Fatalf("rpc NODE: %q %v", got, d)
	}
	got, _ = complete(t, env, "rpc", alive+"@127")
	if !slices.Equal(got, []string{e.Name}) {
		t.Fatalf("rpc NODE@: %q", got)
	}
	for _, cmd := range []string{"eval", "send", "shell", "nodes", "ping", "load"} {
		if got, _ := complete(t, env, cmd, alive[:3]); !slices.Contains(got, alive) {
			t.Errorf("%s NODE: %q", cmd, got)
		}
	}
	// Modules loaded on the node, then the functions a module exports.
	got, _ = complete(t, env, "rpc", e.Name, "")
	for _, m := range []string{"erlang", "lists", "h"} {
		if !slices.Contains(got, m) {
			t.Fatalf("rpc NODE MODULE: %s missing from %q", m, got)
		}
	}
	got, _ = complete(t, env, "rpc", e.Name, "li")
	if !slices.Contains(got, "lists") || slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "li") }) {
		t.Fatalf("rpc NODE li: %q", got)
	}
	got, _ = complete(t, env, "rpc", e.Name, "h", "")
	if !slices.Equal(got, []string{"ask", "boom", "greet", "module_info"}) {
		t.Fatalf("rpc NODE h FUNCTION: %q", got)
	}
	// The flags before the arguments count: the cookie given by flag.
	got, _ = complete(t, map[string]string{"ERL_EPMD_PORT": env["ERL_EPMD_PORT"]}, "rpc", "--cookie", e.Cookie, e.Name, "h", "gr")
	if !slices.Equal(got, []string{"greet"}) {
		t.Fatalf("rpc --cookie NODE h gr: %q", got)
	}
	// Registered names for send.
	got, _ = complete(t, env, "send", e.Name, "my_")
	if !slices.Equal(got, []string{"my_server"}) {
		t.Fatalf("send NODE NAME: %q", got)
	}
	// A wrong cookie, an unknown node, an unknown module: nothing, at once.
	for _, args := range [][]string{
		{"rpc", "--cookie", "wrong", e.Name, ""},
		{"rpc", "nobody@127.0.0.1", ""},
		{"rpc", e.Name, "no_such_module", ""},
		{"rpc", "serial:/dev/null", ""}, // serial targets are never opened
	} {
		if got, d := complete(t, env, args...); len(got) != 0 || d != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%q: %q %v", args, got, d)
		}
	}
	// No cookie anywhere: nothing, and no ~/.erlang.cookie created.
	home := t.TempDir()
	f, _, _ := (&cmdtest.Env{Vars: map[string]string{"ERL_EPMD_PORT": env["ERL_EPMD_PORT"]}, Home: home}).Factory(strings.NewReader(""))
	cmd := NewCmdRoot(f)
	cmd.SetArgs([]string{cobra.ShellCompRequestCmd, "rpc", e.Name, ""})
	if code := executeCmd(context.Background(), f, cmd); code != 0 {
		t.Fatalf("completion without a cookie: %d", code)
	}
	if _, err := os.Stat(filepath.Join(home, ".erlang.cookie")); err == nil {
		t.Fatal("completion created a cookie file")
	}
}

// Completion never hangs the shell: an epmd or a node that accepts and
// never answers gives nothing within the completion's own bound.
func TestCompletionBounded(t *testing.T) {
	silent := cmdtest.SilentListener(t)
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(silent), "AVMSH_COOKIE": "c"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if got, _ := complete(t, env, "rpc", ""); slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "serial:") }) {
			t.Errorf("silent epmd: %q", got)
		}
		if got, _ := complete(t, env, "rpc", "--address", fmt.Sprintf("127.0.0.1:%d", silent), "app@127.0.0.1", ""); len(got) != 0 {
			t.Errorf("silent node: %q", got)
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // far beyond cmdutil.CompletionTimeout
		t.Fatal("completion hung on a silent peer")
	}
}

func TestCompletionValues(t *testing.T) {
	env := map[string]string{}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"rpc", "--output", ""}, []string{"erlang", "json", "raw"}},
		{[]string{"eval", "-o", ""}, nil}, // eval has no --output
		{[]string{"load", "--output", "j"}, []string{"json"}},
		{[]string{"nodes", "--output", ""}, []string{"erlang", "json", "raw"}},
		{[]string{"devices", "--output", ""}, []string{"table", "json"}},
		{[]string{"pack", "--output", ""}, []string{"text", "json"}},
		{[]string{"plugin", "list", "--output", ""}, []string{"text", "json"}},
		{[]string{"monitor", "--eol", ""}, []string{"CRLF", "CR", "LF"}},
		{[]string{"monitor", "--reset-mode", ""}, []string{"auto", "classic", "usb-jtag", "none"}},
	} {
		got, _ := complete(t, env, c.args...)
		if c.want != nil && !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, want %q", c.args, got, c.want)
		}
	}
	// Serial ports, as devices lists them (never opened).
	devs, err := devices.List(context.Background(), devices.ListOptions{SkipAccess: true})
	if err != nil {
		t.Fatal(err)
	}
	var ports, schemed []string
	for _, d := range devs {
		if d.Path != "" {
			ports = append(ports, d.Path)
			schemed = append(schemed, "serial:"+d.Path)
		}
	}
	if got, d := complete(t, env, "monitor", ""); !slices.Equal(got, ports) || d != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("monitor PORT: %q %v, want %q", got, d, ports)
	}
	if got, _ := complete(t, env, "serve", "--listen", ""); !slices.Equal(got, schemed) {
		t.Errorf("serve --listen: %q, want %q", got, schemed)
	}
	if got, _ := complete(t, env, "ping", "serial:"); !slices.Equal(got, schemed) {
		t.Errorf("ping serial:: %q, want %q", got, schemed)
	}
	// load: .beam files after the first NODE.
	if _, d := complete(t, env, "load", "app@h", ""); d != cobra.ShellCompDirectiveFilterFileExt {
		t.Errorf("load FILE: directive %v", d)
	}
}

// --version prints the build and the protocols.
func TestVersionFlag(t *testing.T) {
	var out strings.Builder
	f := &cmdutil.Factory{Version: "v9.8.7", Build: cmdutil.Build{Version: "v9.8.7", Commit: "feedbeef", Date: "2026-12-01T00:00:00Z"},
		IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Getenv: func(string) string { return "" }}
	if code := executeArgs(context.Background(), f, []string{"--version"}); code != 0 {
		t.Fatalf("--version: %d %s", code, out.String())
	}
	if !strings.HasPrefix(out.String(), "avmsh v9.8.7\ncommit:       feedbeef\nbuilt:        2026-12-01T00:00:00Z\n") ||
		!strings.Contains(out.String(), "protocol version 6") {
		t.Fatalf("--version:\n%s", out.String())
	}
}
