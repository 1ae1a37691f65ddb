//go:build unix

package root

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
)

// A plugin that shows what it got: its arguments (one per line), the
// context variables, its stdin, a line on stderr; it exits with $CODE.
const showPlugin = `#!/bin/sh
for a in "$@"; do echo "arg=$a"; done
for v in AVMSH_PLUGIN AVMSH_NODE AVMSH_NAME_MODE AVMSH_TARGET AVMSH_COOKIE_SOURCE AVMSH_COOKIE_FILE AVMSH_COOKIE ERL_EPMD_PORT AVMSH_OUTPUT AVMSH_TIMEOUT AVMSH_VERSION; do
  eval "val=\${$v-unset}"
  echo "$v=$val"
done
[ -n "${AVMSH_BIN:-}" ] && echo "bin=set"
echo "cmdline=$(tr '\0' ' ' < /proc/$$/cmdline 2>/dev/null)"
if [ "${READ_STDIN:-}" = 1 ]; then echo "stdin=$(cat)"; fi
echo "to stderr" >&2
exit "${CODE:-0}"
`

// pluginWorld is a home, a plugin directory and a PATH with plugins.
type pluginWorld struct {
	home, data, bin string
	env             map[string]string
}

func newPluginWorld(t *testing.T) *pluginWorld {
	root := t.TempDir()
	w := &pluginWorld{home: filepath.Join(root, "home"), data: filepath.Join(root, "data"), bin: filepath.Join(root, "bin")}
	for _, d := range []string{w.home, w.bin, filepath.Join(w.data, "avmsh", "plugins")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w.env = map[string]string{"HOME": w.home, "XDG_DATA_HOME": w.data,
		"PATH": w.bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	return w
}

func (w *pluginWorld) add(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, "avmsh-"+name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *pluginWorld) environ() []string {
	var out []string
	for k, v := range w.env {
		out = append(out, k+"="+v)
	}
	return out
}

// run runs avmsh in-process (plugins as child processes on the
// streams, as on systems without exec).
func (w *pluginWorld) run(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		Version: "test",
		IO:      &cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Getenv:  func(k string) string { return w.env[k] },
		HomeDir: func() (string, error) { return w.home, nil },
		Environ: w.environ,
	}
	code := executeArgs(context.Background(), f, args)
	return run{code, out.String(), errOut.String()}
}

func lines(s string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestPluginDispatch(t *testing.T) {
	w := newPluginWorld(t)
	w.add(t, w.bin, "show", showPlugin, 0o755)

	// Arguments, stdout, stderr, stdin and the exit code pass through;
	// flags after NAME are the plugin's.
	w.env["CODE"], w.env["READ_STDIN"] = "7", "1"
	r := w.run(t, "typed in\n", "show", "a b", "--help", "-o", "json", "--cookie=x")
	got := lines(r.out)
	if r.code != 7 || !strings.HasPrefix(r.out, "arg=a b\narg=--help\narg=-o\narg=json\narg=--cookie=x\n") ||
		got["stdin"] != "typed in" || r.err != "to stderr\n" {
		t.Fatalf("show: %+v", r)
	}
	// Only the context avmsh resolved: no flags given.
	if got["AVMSH_PLUGIN"] != "show" || got["AVMSH_NODE"] != "unset" || got["AVMSH_TARGET"] != "unset" ||
		got["AVMSH_COOKIE_SOURCE"] != "file" || got["AVMSH_COOKIE_FILE"] != filepath.Join(w.home, ".erlang.cookie") ||
		got["AVMSH_COOKIE"] != "unset" || got["ERL_EPMD_PORT"] != "4369" || got["AVMSH_VERSION"] != "test" || got["bin"] != "set" {
		t.Fatalf("default context: %q", r.out)
	}
	if _, err := os.Stat(filepath.Join(w.home, ".erlang.cookie")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dispatch created a cookie file: %v", err)
	}
	// avmsh's flags before NAME become the context; the cookie of
	// --cookie reaches the plugin in its environment, not its arguments.
	delete(w.env, "CODE")
	delete(w.env, "READ_STDIN")
	w.env["ERL_EPMD_PORT"] = "4370"
	r = w.run(t, "", "--cookie", "s3cret", "--name", "me@127.0.0.1", "--target", "app@127.0.0.1", "-o", "json", "--timeout", "5s", "show", "x")
	got = lines(r.out)
	if r.code != 0 || got["arg"] != "x" || got["AVMSH_COOKIE_SOURCE"] != "flag" || got["AVMSH_COOKIE"] != "s3cret" ||
		got["AVMSH_COOKIE_FILE"] != "unset" || got["AVMSH_NODE"] != "me@127.0.0.1" || got["AVMSH_NAME_MODE"] != "longnames" ||
		got["AVMSH_TARGET"] != "app@127.0.0.1" || got["AVMSH_OUTPUT"] != "json" || got["AVMSH_TIMEOUT"] != "5s" || got["ERL_EPMD_PORT"] != "4370" {
		t.Fatalf("context from flags: %+v", r)
	}
	if !strings.Contains(got["cmdline"], "show x") || strings.Contains(got["cmdline"], "s3cret") {
		t.Fatalf("the plugin's command line: %q", got["cmdline"])
	}
	// AVMSH_COOKIE in avmsh's environment: source env, inherited as is.
	w.env["AVMSH_COOKIE"] = "fromenv"
	r = w.run(t, "", "--sname", "me", "show")
	got = lines(r.out)
	if got["AVMSH_COOKIE_SOURCE"] != "env" || got["AVMSH_COOKIE"] != "fromenv" || got["AVMSH_NAME_MODE"] != "shortnames" {
		t.Fatalf("cookie from the environment: %q", r.out)
	}
	delete(w.env, "AVMSH_COOKIE")

	// A plugin in avmsh's plugin directory wins over one on PATH.
	w.add(t, filepath.Join(w.data, "avmsh", "plugins"), "show", "#!/bin/sh\necho from-plugin-dir\n", 0o755)
	if r = w.run(t, "", "show"); r.out != "from-plugin-dir\n" {
		t.Fatalf("plugin directory first: %+v", r)
	}

	// Built-in commands win: avmsh-rpc never runs.
	marker := filepath.Join(w.home, "rpc-plugin-ran")
	w.add(t, w.bin, "rpc", "#!/bin/sh\ntouch "+marker+"\n", 0o755)
	r = w.run(t, "", "rpc")
	if _, err := os.Stat(marker); err == nil || r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "rpc: missing NODE") {
		t.Fatalf("a plugin shadowed a built-in: %+v", r)
	}

	// A plugin that is not executable: a clear error, exit 2.
	noexec := w.add(t, w.bin, "noexec", showPlugin, 0o644)
	r = w.run(t, "", "noexec")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "not executable") || !strings.Contains(r.err, "chmod +x "+noexec) {
		t.Fatalf("not executable: %+v", r)
	}
	// No such plugin: cobra's unknown command, with where plugins live.
	r = w.run(t, "", "nosuch")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, `unknown command "nosuch"`) || !strings.Contains(r.err, "avmsh-NAME") {
		t.Fatalf("unknown command: %+v", r)
	}

	// plugin list: every file, in search order, with what shadows it.
	r = w.run(t, "", "plugin", "list", "-o", "json")
	var list []struct {
		Name, Path       string
		ShadowedBy       string `json:"shadowed_by"`
		Runs, Executable bool
	}
	if err := json.Unmarshal([]byte(r.out), &list); err != nil || r.code != 0 {
		t.Fatalf("plugin list json: %v %+v", err, r)
	}
	status := map[string]string{}
	for _, p := range list {
		status[p.Path] = fmt.Sprintf("runs=%v exec=%v shadow=%s", p.Runs, p.Executable, p.ShadowedBy)
	}
	dirShow := filepath.Join(w.data, "avmsh", "plugins", "avmsh-show")
	for path, want := range map[string]string{
		dirShow:                              "runs=true exec=true shadow=",
		filepath.Join(w.bin, "avmsh-show"):   "runs=false exec=true shadow=" + dirShow,
		filepath.Join(w.bin, "avmsh-rpc"):    "runs=false exec=true shadow=built-in command rpc",
		filepath.Join(w.bin, "avmsh-noexec"): "runs=false exec=false shadow=",
	} {
		if status[path] != want {
			t.Errorf("plugin list: %s: %q, want %q", path, status[path], want)
		}
	}
	r = w.run(t, "", "plugin", "list")
	if r.code != 0 || !strings.Contains(r.out, "shadowed by built-in command rpc") || !strings.Contains(r.out, "not executable (chmod +x)") {
		t.Fatalf("plugin list: %+v", r)
	}

	// plugin new writes a runnable skeleton and refuses built-in names.
	dir := t.TempDir()
	r = w.run(t, "", "plugin", "new", "blink", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.out, filepath.Join(dir, "avmsh-blink")) {
		t.Fatalf("plugin new: %+v", r)
	}
	if r = w.run(t, "", "plugin", "new", "rpc", "--dir", dir); r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "built-in") {
		t.Fatalf("plugin new rpc: %+v", r)
	}
	if r = w.run(t, "", "plugin", "new", "blink", "--dir", dir); r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "already exists") {
		t.Fatalf("plugin new twice: %+v", r)
	}
}

// TestPluginBinary runs the real avmsh binary, which replaces itself
// with the plugin (exec): arguments, environment, exit codes, Ctrl-C
// (SIGINT to the foreground process group, as a terminal sends it, and
// to avmsh's pid alone), and a Go plugin written by `avmsh plugin new
// --go` that embeds a node with the embedding API and calls a real erl.
func TestPluginBinary(t *testing.T) {
	bin := buildAvmsh(t)
	w := newPluginWorld(t)
	w.add(t, w.bin, "show", showPlugin, 0o755)
	avmsh := func(env map[string]string, args ...string) (run, *exec.Cmd) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = os.Environ()
		for k, v := range w.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("run avmsh: %v", err)
		}
		return run{cmd.ProcessState.ExitCode(), out.String(), errOut.String()}, cmd
	}
	r, _ := avmsh(map[string]string{"CODE": "9"}, "--cookie", "s3cret", "--target", "t@h", "show", "one", "two words")
	got := lines(r.out)
	if r.code != 9 || !strings.HasPrefix(r.out, "arg=one\narg=two words\n") || got["AVMSH_COOKIE"] != "s3cret" ||
		got["AVMSH_TARGET"] != "t@h" || r.err != "to stderr\n" {
		t.Fatalf("exec'd plugin: %+v", r)
	}
	// exec: the plugin runs as avmsh's own process, with only its own
	// command line (no cookie).
	if !strings.HasPrefix(got["cmdline"], "/bin/sh "+filepath.Join(w.bin, "avmsh-show")+" one two words") || strings.Contains(got["cmdline"], "s3cret") {
		t.Fatalf("cmdline %q", got["cmdline"])
	}

	t.Run("ctrl-c", func(t *testing.T) { pluginInterrupts(t, bin, w) })
	t.Run("go-plugin", func(t *testing.T) { goPlugin(t, bin, w, avmsh) })
}

// pluginInterrupts: a plugin that hangs is interrupted by Ctrl-C.
func pluginInterrupts(t *testing.T, bin string, w *pluginWorld) {
	w.add(t, w.bin, "trapper", "#!/bin/sh\ntrap 'echo caught; exit 42' INT\necho ready\nwhile :; do sleep 0.05; done\n", 0o755)
	// sleeper becomes sleep itself: readiness is its command line in
	// /proc (a shell between "ready" and its child's exec would lose a
	// SIGINT that lands in that window: dash's race, not avmsh's).
	w.add(t, w.bin, "sleeper", "#!/bin/sh\nexec sleep 600\n", 0o755)
	for _, c := range []struct {
		plugin string
		group  bool // SIGINT to the process group (a terminal's Ctrl-C), or to avmsh's pid
		want   string
	}{
		{"trapper", true, "exit status 42"},
		{"trapper", false, "exit status 42"},
		{"sleeper", true, "signal: interrupt"},
	} {
		cmd := exec.Command(bin, c.plugin)
		cmd.Env = os.Environ()
		for k, v := range w.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as a shell's job
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		ready := func() bool { return strings.Contains(out.String(), "ready") }
		if c.plugin == "sleeper" {
			if _, err := os.Stat("/proc/self/cmdline"); err != nil {
				t.Log("no /proc: the sleeper case needs it")
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
				continue
			}
			proc := fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid)
			ready = func() bool { b, _ := os.ReadFile(proc); return strings.HasPrefix(string(b), "sleep\x00") }
		}
		deadline := time.Now().Add(60 * time.Second)
		for !ready() {
			if time.Now().After(deadline) {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				t.Fatalf("%s never got ready: %q", c.plugin, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		target := cmd.Process.Pid
		if c.group {
			target = -target
		}
		if err := syscall.Kill(target, syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err == nil || err.Error() != c.want {
				t.Errorf("%s, SIGINT to group=%v: %v (output %q), want %s", c.plugin, c.group, err, out.String(), c.want)
			}
		case <-time.After(60 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("%s: SIGINT did not stop it", c.plugin)
		}
	}
}

// goPlugin builds the Go skeleton of `avmsh plugin new --go`, which
// embeds a node with package erlang, and runs it through avmsh against a
// real erl node, with the cookie from each of its sources.
func goPlugin(t *testing.T, bin string, w *pluginWorld, avmsh func(map[string]string, ...string) (run, *exec.Cmd)) {
	e := erltest.Start(t, erltest.Options{})
	src := t.TempDir()
	r, _ := avmsh(nil, "plugin", "new", "otp", "--go", "--dir", src)
	if r.code != 0 {
		t.Fatalf("plugin new --go: %+v", r)
	}
	// Built against this checkout: the file's imports resolve in the
	// module of the current directory.
	build := exec.Command("go", "build", "-o", filepath.Join(w.bin, "avmsh-otp"), filepath.Join(src, "avmsh-otp", "main.go"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Go plugin: %v\n%s", err, out)
	}
	release := strings.Trim(e.Eval(t, "list_to_atom(erlang:system_info(otp_release))"), "'")
	want := fmt.Sprintf("%s runs OTP %s\n", e.Name, release)
	port := strconv.Itoa(e.EpmdPort)

	// The cookie in AVMSH_COOKIE, the target as an argument.
	r, _ = avmsh(map[string]string{"ERL_EPMD_PORT": port, "AVMSH_COOKIE": e.Cookie}, "otp", e.Name)
	if r.code != 0 || r.out != want {
		t.Fatalf("Go plugin, cookie from the environment: %+v, want %q", r, want)
	}
	// --cookie and --target given to avmsh; JSON asked for.
	r, _ = avmsh(map[string]string{"ERL_EPMD_PORT": port}, "--cookie", e.Cookie, "--target", e.Name, "-o", "json", "otp")
	if r.code != 0 || r.out != fmt.Sprintf("{\"node\": %q, \"otp_release\": %q}\n", e.Name, release) {
		t.Fatalf("Go plugin, --cookie and --target: %+v", r)
	}
	// The cookie file (AVMSH_COOKIE_FILE), read as erl reads it.
	if err := os.WriteFile(filepath.Join(w.home, ".erlang.cookie"), []byte(e.Cookie), 0o400); err != nil {
		t.Fatal(err)
	}
	r, _ = avmsh(map[string]string{"ERL_EPMD_PORT": port}, "--target", e.Name, "otp")
	if r.code != 0 || r.out != want {
		t.Fatalf("Go plugin, cookie file: %+v", r)
	}
	// Its own exit codes pass through: 3 for a node that is not there.
	r, _ = avmsh(map[string]string{"ERL_EPMD_PORT": port}, "otp", "nobody@127.0.0.1")
	if r.code != 3 || !strings.Contains(r.err, "nobody") {
		t.Fatalf("Go plugin, unknown node: %+v", r)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
