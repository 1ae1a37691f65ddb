package loadcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/codeload/codeloadtest"
)

// run executes `avmsh load args...` in-process and returns stdout,
// stderr and the exit code.
func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{Version: "test", IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return env[k] }}
	cmd := NewCmdLoad(f)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	var ee *cmdutil.ExitError
	if err != nil && (!errors.As(err, &ee) || !ee.Silent) {
		fmt.Fprintf(&errOut, "avmsh: %v\n", err)
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func erlc(t *testing.T, dir, mod, src string) string {
	t.Helper()
	erltest.RequireProgram(t, "erlc")
	p := filepath.Join(dir, mod+".erl")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("erlc", "-o", dir, p).CombinedOutput(); err != nil {
		t.Fatalf("erlc: %v\n%s", err, out)
	}
	return filepath.Join(dir, mod+".beam")
}

func TestSplitArgs(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args         []string
		nodes, files []string
	}{
		{[]string{"a@h", "x.beam"}, []string{"a@h"}, []string{"x.beam"}},
		{[]string{"a@h", "b@h", dir, "y.beam"}, []string{"a@h", "b@h"}, []string{dir, "y.beam"}},
		// A serial address is a node even if the device exists.
		{[]string{"a@h", "serial:/dev/null", "x.beam"}, []string{"a@h", "serial:/dev/null"}, []string{"x.beam"}},
		// The first argument is always a node.
		{[]string{dir, "x.beam"}, []string{dir}, []string{"x.beam"}},
		{[]string{"a@h", "b@h"}, []string{"a@h", "b@h"}, nil},
	} {
		n, f := splitArgs(c.args)
		if !slices.Equal(n, c.nodes) || !slices.Equal(f, c.files) {
			t.Errorf("splitArgs(%q) = %q, %q; want %q, %q", c.args, n, f, c.nodes, c.files)
		}
	}
}

func TestExitFor(t *testing.T) {
	r := func(s codeload.Status) codeload.Result { return codeload.Result{Status: s} }
	for _, c := range []struct {
		rs   []codeload.Result
		code int
	}{
		{[]codeload.Result{r(codeload.Loaded)}, cmdutil.ExitOK},
		{[]codeload.Result{r(codeload.Loaded), r(codeload.Unreachable)}, cmdutil.ExitUnreachable},
		// A refusal says more than an unreachable node.
		{[]codeload.Result{r(codeload.Unreachable), r(codeload.Refused)}, cmdutil.ExitRemote},
	} {
		if got := cmdutil.ExitCode(exitFor(c.rs)); got != c.code {
			t.Errorf("exitFor(%v) = %d, want %d", c.rs, got, c.code)
		}
	}
}

// TestLoadIntoAtomVM runs the command against the fake AtomVM node
// (codeloadtest: what a source-built AtomVM answered by hand).
func TestLoadIntoAtomVM(t *testing.T) {
	e := erltest.StartEpmd(t)
	a := codeloadtest.Start(t, codeloadtest.Options{EpmdPort: e.Port})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.Port), "AVMSH_COOKIE": a.Cookie}
	dir := t.TempDir()
	greeter := erlc(t, dir, "greeter", "-module(greeter).\n-export([v/0]).\nv() -> 1.\n")
	name := string(a.Name)

	out, errOut, code := run(t, env, name, greeter)
	if code != 0 || !strings.Contains(out, "greeter → "+name+": loaded") || !strings.Contains(out, "note: this lives in the board's RAM") {
		t.Fatalf("load: %d\n%s%s", code, out, errOut)
	}
	// --all: AtomVM has no erlang:nodes/1; it loads into the node alone.
	out, errOut, code = run(t, env, "--all", name, greeter, "--output", "json")
	var res []struct{ Node, Module, Status, Reason, Error string }
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || res[0].Status != "loaded" ||
		!strings.Contains(errOut, "has no erlang:nodes/1 (AtomVM)") {
		t.Fatalf("--all: %d\n%s%s", code, out, errOut)
	}
	// A module with -on_load: refused before sending, and greeter is
	// held back with it; exit 1.
	onload := erlc(t, dir, "withinit", "-module(withinit).\n-on_load(init/0).\ninit() -> ok.\n")
	calls := len(a.Calls())
	out, errOut, code = run(t, env, name, greeter, onload)
	if code != 1 || !strings.Contains(out, "withinit → "+name+": refused (incompatible)") ||
		!strings.Contains(out, "greeter → "+name+": refused (not_sent)") || !strings.Contains(out, "AtomVM would abort") {
		t.Fatalf("on_load: %d\n%s%s", code, out, errOut)
	}
	for _, c := range a.Calls()[calls:] {
		if strings.HasPrefix(c, "code:load_binary") {
			t.Fatalf("sent to AtomVM: %q", a.Calls()[calls:])
		}
	}
}

// TestAllReportsUnreachablePeers: a node of the cluster that avmsh
// cannot reach (here: it takes another cookie) is a result, with exit
// code 3, not only a line on stderr.
func TestAllReportsUnreachablePeers(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	other := erltest.Start(t, erltest.Options{EpmdPort: e.EpmdPort})
	if _, err := e.Call(context.Background(), fmt.Sprintf("erlang:set_cookie('%s', '%s'), pong = net_adm:ping('%s')", other.Name, other.Cookie, other.Name)); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	beam := erlc(t, t.TempDir(), "allmod", "-module(allmod).\n")
	out, errOut, code := run(t, env, "--all", e.Name, beam, "--output", "json", "--timeout", "30s")
	var res []struct{ Node, Module, Status, Reason, Error string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != cmdutil.ExitUnreachable || len(res) != 2 {
		t.Fatalf("--all: %d %v\n%s%s", code, err, out, errOut)
	}
	if res[0].Node != e.Name || res[0].Status != "loaded" {
		t.Fatalf("first node: %+v", res[0])
	}
	if r := res[1]; r.Node != other.Name || r.Module != "allmod" || r.Status != "unreachable" || r.Reason != "nodedown" ||
		!strings.Contains(r.Error, "is connected to "+e.Name) {
		t.Fatalf("unreachable peer: %+v", r)
	}
	// In text, too.
	out, _, code = run(t, env, "--all", e.Name, beam, "--timeout", "30s")
	if code != cmdutil.ExitUnreachable || !strings.Contains(out, "allmod → "+other.Name+": unreachable (nodedown)") {
		t.Fatalf("text: %d\n%s", code, out)
	}
}

// TestLoadOverTLS: --tls-cert/--tls-key/--tls-ca reach an erl node that
// runs TLS distribution; the loaded code answers.
func TestLoadOverTLS(t *testing.T) {
	pki := erltest.NewTLS(t)
	e := erltest.Start(t, erltest.Options{Args: pki.Args()})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	tls := []string{"--tls-cert", pki.CertFile, "--tls-key", pki.KeyFile, "--tls-ca", pki.CAFile}
	beam := erlc(t, t.TempDir(), "tlsmod", "-module(tlsmod).\n-export([v/0]).\nv() -> tls.\n")
	out, errOut, code := run(t, env, append([]string{e.Name, beam}, tls...)...)
	if code != 0 || !strings.Contains(out, "tlsmod → "+e.Name+": loaded") {
		t.Fatalf("load over TLS: %d\n%s%s", code, out, errOut)
	}
	if res, err := e.Call(context.Background(), "tlsmod:v()"); err != nil || res.Text != "tls" {
		t.Fatalf("tlsmod:v() = %+v %v", res, err)
	}
	// Without the TLS flags the node cannot be reached: exit 3.
	_, _, code = run(t, env, e.Name, beam, "--timeout", "20s")
	if code != cmdutil.ExitUnreachable {
		t.Fatalf("plaintext load into a TLS node: exit %d", code)
	}
}
