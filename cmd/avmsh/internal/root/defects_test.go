//go:build !windows

package root

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
)

// avmshIn runs the CLI in-process like avmsh, with home as the home
// directory (for ~/.erlang.cookie) and stdin from a reader.
func avmshIn(t *testing.T, env map[string]string, home string, stdin *bytes.Reader, args ...string) run {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		Version: "test",
		IO:      &cmdutil.IOStreams{In: stdin, Out: &out, ErrOut: &errOut},
		Getenv:  func(k string) string { return env[k] },
		HomeDir: func() (string, error) { return home, nil },
	}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	code := executeCmd(context.Background(), f, cmd)
	return run{code, out.String(), errOut.String()}
}

const sleeper = `-module(slow).
-export([nap/1, boom/0]).
nap(Ms) -> timer:sleep(Ms), awake.
boom() -> erlang:error({bad, thing}).
`

// Issue 15, items 5, 6, 8, 11 and 17 against a real erl: one meaning per
// exit code in every command.
func TestExitCodesAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"slow": sleeper}})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	node := e.Name

	// 5: a timeout exits with 4 from rpc and eval alike (it was 1 from
	// rpc, reserved for exceptions, and 3 from eval).
	r := avmsh(t, env, "", "rpc", node, "slow", "nap", "60000", "--timeout", "500ms")
	if r.code != cmdutil.ExitTimeout || !strings.Contains(r.err, "timed out") {
		t.Errorf("rpc timeout: %+v", r)
	}
	r = avmsh(t, env, "", "eval", node, "slow:nap(60000).", "--timeout", "500ms")
	if r.code != cmdutil.ExitTimeout || !strings.Contains(r.err, "timed out") {
		t.Errorf("eval timeout: %+v", r)
	}
	// The connection coming up within --timeout is still 3.
	r = avmsh(t, env, "", "rpc", "nobody@127.0.0.1", "erlang", "node", "--timeout", "5s")
	if r.code != cmdutil.ExitUnreachable {
		t.Errorf("rpc unknown node: %+v", r)
	}

	// 6: a bad module or function name is a usage error, not "no
	// connection".
	for _, args := range [][]string{
		{"rpc", node, strings.Repeat("m", 256), "f"},
		{"rpc", node, "erlang", "f\xff"},
	} {
		r = avmsh(t, env, "", args...)
		if r.code != cmdutil.ExitUsage || strings.Contains(r.err, "no connection") {
			t.Errorf("%q: %+v", args, r)
		}
	}

	// 8: eval refuses invalid UTF-8 as rpc does.
	r = avmsh(t, env, "", "eval", node, "\"caf\xe9\".")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "not valid UTF-8") || r.out != "" {
		t.Errorf("eval invalid UTF-8: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", node, "erlang", "length", "\"caf\xe9\"")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "not valid UTF-8") {
		t.Errorf("rpc invalid UTF-8: %+v", r)
	}

	// 17: rpc -o json prints the exception as JSON on stdout.
	r = avmsh(t, env, "", "rpc", node, "slow", "boom", "-o", "json")
	if r.code != cmdutil.ExitRemote || !strings.HasPrefix(r.out, `{"$exception":{"class":"error","reason":{"$tuple":["bad","thing"]},"stack":[`) {
		t.Errorf("rpc -o json exception: %+v", r)
	}
	if !strings.Contains(r.out, `"module":"slow"`) && !strings.Contains(r.out, `"slow"`) {
		t.Errorf("the stack does not name slow: %s", r.out)
	}

	// 11: wrong argument counts read the same in every command.
	for _, args := range [][]string{
		{"monitor"}, {"nodes"}, {"ping"}, {"send", node, "x"}, {"shell", "a", "b"}, {"rpc", node}, {"eval"},
	} {
		r = avmsh(t, env, "", args...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "usage: avmsh "+args[0]) ||
			!strings.Contains(r.err, "Run 'avmsh "+args[0]+" --help' for examples.") || strings.Contains(r.err, "accepts ") {
			t.Errorf("%q: %+v", args, r)
		}
	}
}

// Issue 15, item 18: a multi-MB binary from a file through rpc and send
// to a real erl, and terms from files and stdin.
func TestLargeArgumentsAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	blob := make([]byte, 8<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "blob.bin")
	if err := os.WriteFile(bin, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d\n", crc32.ChecksumIEEE(blob))
	r := avmsh(t, env, "", "rpc", e.Name, "erlang", "crc32", "@"+bin, "--binary")
	if r.code != 0 || r.out != want {
		t.Fatalf("rpc @FILE --binary: code %d out %q err %q", r.code, r.out, r.err)
	}
	r = avmshIn(t, env, dir, bytes.NewReader(blob), "rpc", e.Name, "erlang", "byte_size", "-", "--binary")
	if r.code != 0 || r.out != fmt.Sprintf("%d\n", len(blob)) {
		t.Fatalf("rpc - --binary: code %d out %q err %q", r.code, r.out, r.err)
	}
	e.Eval(t, "register(box, self())")
	r = avmsh(t, env, "", "send", e.Name, "box", "@"+bin, "--binary")
	if r.code != 0 {
		t.Fatalf("send @FILE --binary: %+v", r)
	}
	if got := e.Eval(t, "receive B when is_binary(B) -> {byte_size(B), erlang:crc32(B)} after 10000 -> none end"); got != fmt.Sprintf("{%d,%d}", len(blob), crc32.ChecksumIEEE(blob)) {
		t.Fatalf("box got %s", got)
	}
	// A term written in a file, and the argument list on stdin.
	terms := filepath.Join(dir, "t.erl")
	if err := os.WriteFile(terms, []byte("#{list => lists:seq(1,3)}"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = avmsh(t, env, "", "rpc", e.Name, "erlang", "map_size", "@"+terms)
	if r.code != cmdutil.ExitUsage { // a term, not an expression: lists:seq is not a term
		t.Fatalf("rpc @FILE with an expression: %+v", r)
	}
	if err := os.WriteFile(terms, []byte("#{list => [1, 2, 3], name => <<\"é\"/utf8>>}.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = avmsh(t, env, "", "rpc", e.Name, "erlang", "map_size", "@"+terms)
	if r.code != 0 || r.out != "2\n" {
		t.Fatalf("rpc @FILE: %+v", r)
	}
	r = avmsh(t, env, "[[1, 2], [3]]", "rpc", e.Name, "lists", "append", "--args-file", "-")
	if r.code != 0 || r.out != "[1,2,3]\n" {
		t.Fatalf("rpc --args-file -: %+v", r)
	}
}

// Issue 15, item 4: eval - reads all of stdin (it was cut at 16 MiB
// without a word).
func TestEvalLargeStdinAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	src := strings.Repeat("%% padding line of a generated script ......................\n", (17<<20)/60) + "erlang:system_info(machine).\n"
	r := avmsh(t, env, src, "eval", e.Name, "-")
	if r.code != 0 || r.out != "\"BEAM\"\n" {
		t.Fatalf("eval - of %d bytes: code %d out %q err %q", len(src), r.code, r.out, r.err)
	}
}

// Issue 15, item 16: a ~/.erlang.cookie others may read is refused, as
// erl refuses it, with the fix in the message; once private it works.
func TestCookieFileModeAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	home := t.TempDir()
	cookie := filepath.Join(home, ".erlang.cookie")
	if err := os.WriteFile(cookie, []byte(e.Cookie+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cookie, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort)}
	r := avmshIn(t, env, home, bytes.NewReader(nil), "rpc", e.Name, "erlang", "node")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "chmod 400 "+cookie) || !strings.Contains(r.err, "0644") {
		t.Fatalf("world-readable cookie file: %+v", r)
	}
	// erl refuses the same file.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	erl := exec.CommandContext(ctx, "erl", "-noshell", "-sname", erltest.RandomName("ck"), "-eval", "halt().")
	erl.Env = append(os.Environ(), "HOME="+home, "ERL_EPMD_PORT="+strconv.Itoa(e.EpmdPort), "ERL_CRASH_DUMP_SECONDS=0")
	out, _ := erl.CombinedOutput()
	if !strings.Contains(string(out), "must be accessible by owner only") {
		t.Fatalf("erl accepted the file avmsh refuses:\n%s", out)
	}
	if err := os.Chmod(cookie, 0o400); err != nil {
		t.Fatal(err)
	}
	r = avmshIn(t, env, home, bytes.NewReader(nil), "rpc", e.Name, "erlang", "node")
	if r.code != 0 || r.out != "'"+e.Name+"'\n" {
		t.Fatalf("private cookie file: %+v", r)
	}
}

// Issue 15, item 2: on a terminal that answers no queries (script(1)'s
// pty), no command but the dashboard writes a query or waits for one.
func TestNoTerminalQueries(t *testing.T) {
	script := erltest.RequireProgram(t, "script")
	e := erltest.Start(t, erltest.Options{})
	bin := buildAvmsh(t)
	env := append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE="+e.Cookie, "TERM=xterm-256color")
	for _, args := range []string{
		"--version",
		"ping " + e.Name,
		"rpc " + e.Name + " erlang node",
		"eval " + e.Name + " '1 + 1.'",
		"names",
		"--help",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, script, "-qec", bin+" "+args, "/dev/null")
		cmd.Env = env
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("avmsh %s in a pty: %v\n%q", args, err, out)
		}
		for _, q := range []string{"\x1b]11;?", "\x1b[6n", "\x1b]10;?"} {
			if bytes.Contains(out, []byte(q)) {
				t.Errorf("avmsh %s queried the terminal (%q):\n%q", args, q, out)
			}
		}
	}
}
