//go:build unix

package plugins

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// write puts an executable (or not) file name with content into dir.
func write(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

type world struct {
	home, data, path1, path2 string
	env                      map[string]string
}

func newWorld(t *testing.T) *world {
	root := t.TempDir()
	w := &world{home: filepath.Join(root, "home"), data: filepath.Join(root, "data"),
		path1: filepath.Join(root, "bin1"), path2: filepath.Join(root, "bin2")}
	w.env = map[string]string{"HOME": w.home, "XDG_DATA_HOME": w.data,
		"PATH": strings.Join([]string{w.path1, "relative/bin", "", w.path2, filepath.Join(root, "missing")}, string(os.PathListSeparator))}
	return w
}

func (w *world) finder(builtins ...string) Finder {
	return Finder{Getenv: func(k string) string { return w.env[k] }, Builtin: func(n string) bool { return slices.Contains(builtins, n) }}
}

const script = "#!/bin/sh\necho hi\n"

func TestFindAndList(t *testing.T) {
	w := newWorld(t)
	f := w.finder("rpc")
	if got, want := f.Dir(), filepath.Join(w.data, "avmsh", "plugins"); got != want {
		t.Fatalf("Dir %s, want %s", got, want)
	}
	// Relative and empty PATH entries are skipped.
	if got := f.Dirs(); len(got) != 4 || got[0] != f.Dir() || got[1] != w.path1 || got[2] != w.path2 {
		t.Fatalf("Dirs %v", got)
	}
	inDir := write(t, f.Dir(), "avmsh-hello", script, 0o755)
	shadowed1 := write(t, w.path1, "avmsh-hello", script, 0o755)
	onPath := write(t, w.path2, "avmsh-flash2", script, 0o755)
	first := write(t, w.path1, "avmsh-dup", script, 0o755)
	second := write(t, w.path2, "avmsh-dup", script, 0o755)
	builtin := write(t, w.path1, "avmsh-rpc", script, 0o755)
	noexec := write(t, w.path1, "avmsh-noexec", script, 0o644)
	// A non-executable file does not block a later executable one.
	write(t, w.path1, "avmsh-later", script, 0o644)
	later := write(t, w.path2, "avmsh-later", script, 0o755)
	write(t, w.path1, "avmsh-Bad Name", script, 0o755)
	write(t, w.path1, "other-tool", script, 0o755)
	if err := os.Mkdir(filepath.Join(w.path2, "avmsh-adir"), 0o755); err != nil {
		t.Fatal(err)
	}

	for name, want := range map[string]string{"hello": inDir, "flash2": onPath, "dup": first, "later": later} {
		p, err := f.Find(name)
		if err != nil || p.Path != want || !p.Executable || p.Name != name {
			t.Errorf("Find(%s) = %+v, %v; want %s", name, p, err, want)
		}
	}
	if _, err := f.Find("rpc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a built-in's name: %v", err)
	}
	var ne *NotExecutableError
	if _, err := f.Find("noexec"); !errors.As(err, &ne) || ne.Plugin.Path != noexec || !strings.Contains(err.Error(), "chmod +x "+noexec) {
		t.Errorf("not executable: %v", err)
	}
	for _, name := range []string{"nosuch", "adir", "../etc", "Bad Name", ""} {
		if _, err := f.Find(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("Find(%q): %v", name, err)
		}
	}

	got := map[string]Plugin{}
	for _, p := range f.List() {
		got[p.Path] = p
	}
	for path, shadow := range map[string]string{inDir: "", shadowed1: inDir, onPath: "", first: "", second: first,
		builtin: "built-in command rpc", noexec: "", later: ""} {
		p, ok := got[path]
		if !ok || p.ShadowedBy != shadow {
			t.Errorf("List: %s = %+v (listed %v), want shadowed by %q", path, p, ok, shadow)
		}
	}
	if len(got) != 9 || got[noexec].Executable {
		t.Errorf("List: %d entries, %+v", len(got), got[noexec])
	}
	// With no XDG_DATA_HOME the directory is under HOME.
	delete(w.env, "XDG_DATA_HOME")
	if got, want := f.Dir(), filepath.Join(w.home, ".local", "share", "avmsh", "plugins"); got != want {
		t.Fatalf("Dir without XDG_DATA_HOME: %s, want %s", got, want)
	}
}

func TestEnviron(t *testing.T) {
	base := []string{"PATH=/bin", "AVMSH_TARGET=inherited@h", "AVMSH_COOKIE=inherited", "ERL_EPMD_PORT=1", "KEEP=x=y"}
	c := Context{Name: "p", Bin: "/usr/bin/avmsh", Version: "v1", Node: "me@127.0.0.1", LongName: true, Target: "app@h",
		CookieSource: "file", CookieFile: "/home/u/.erlang.cookie", EpmdPort: 4370, Output: "json", Timeout: 5 * time.Second}
	env := c.Environ(base)
	want := []string{"PATH=/bin", "AVMSH_COOKIE=inherited", "KEEP=x=y", "AVMSH_BIN=/usr/bin/avmsh",
		"AVMSH_COOKIE_FILE=/home/u/.erlang.cookie", "AVMSH_COOKIE_SOURCE=file", "AVMSH_NAME_MODE=longnames", "AVMSH_NODE=me@127.0.0.1",
		"AVMSH_OUTPUT=json", "AVMSH_PLUGIN=p", "AVMSH_TARGET=app@h", "AVMSH_TIMEOUT=5s", "AVMSH_VERSION=v1", "ERL_EPMD_PORT=4370"}
	if !slices.Equal(env, want) {
		t.Fatalf("Environ:\n got %q\nwant %q", env, want)
	}
	// --cookie: the cookie is handed on in the environment, replacing
	// an inherited one.
	env = Context{CookieSource: "flag", Cookie: "s3cret", Node: "me"}.Environ(base)
	if !slices.Contains(env, "AVMSH_COOKIE=s3cret") || slices.Contains(env, "AVMSH_COOKIE=inherited") || !slices.Contains(env, "AVMSH_NAME_MODE=shortnames") {
		t.Fatalf("flag cookie: %q", env)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	p := Plugin{Name: "t", Executable: true, Path: write(t, dir, "avmsh-t", `#!/bin/sh
printf '%s|' "$@"
echo "env=$AVMSH_TARGET"
cat
echo "to stderr" >&2
exit "${CODE:-0}"
`, 0o755)}
	var out, errOut bytes.Buffer
	code, err := Run(context.Background(), p, []string{"a b", "--help", "-x"}, []string{"AVMSH_TARGET=app@h", "CODE=7"},
		Streams{In: strings.NewReader("from stdin\n"), Out: &out, Err: &errOut})
	if err != nil || code != 7 || out.String() != "a b|--help|-x|env=app@h\nfrom stdin\n" || errOut.String() != "to stderr\n" {
		t.Fatalf("run: %d %v %q %q", code, err, out.String(), errOut.String())
	}
	if _, err := Run(context.Background(), Plugin{Name: "n", Path: p.Path}, nil, nil, Streams{}); err == nil {
		t.Fatal("a plugin not marked executable ran")
	}
	// A plugin that cannot start: an error, not an exit status.
	bad := write(t, dir, "avmsh-bad", "#!/nonexistent/interpreter\n", 0o755)
	if _, err := Run(context.Background(), Plugin{Name: "bad", Path: bad, Executable: true}, nil, nil, Streams{}); err == nil {
		t.Fatal("a plugin with a missing interpreter started")
	}
}

// The end of ctx (avmsh's Ctrl-C) reaches a hanging plugin as SIGINT:
// one that traps it exits with its own code, one that does not dies of
// it (status 130).
func TestRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		script string
		want   int
	}{
		{"#!/bin/sh\ntrap 'echo caught; exit 42' INT\necho ready\nwhile :; do sleep 0.05; done\n", 42},
		{"#!/bin/sh\necho ready\nexec sleep 600\n", 130},
	} {
		p := Plugin{Name: "hang", Executable: true, Path: write(t, dir, "avmsh-hang", c.script, 0o755)}
		out := &syncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			code, _ := Run(ctx, p, nil, nil, Streams{Out: out, Err: out})
			done <- code
		}()
		waitFor(t, out, "ready")
		cancel()
		select {
		case code := <-done:
			if code != c.want {
				t.Errorf("%q: status %d, want %d (output %q)", c.script, code, c.want, out.String())
			}
		case <-time.After(Grace + 30*time.Second):
			t.Fatalf("%q did not stop", c.script)
		}
	}
}

func TestNewSkeleton(t *testing.T) {
	dir := t.TempDir()
	path, err := NewSkeleton(dir, "blink", Script, "dev")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o100 == 0 || filepath.Base(path) != "avmsh-blink" {
		t.Fatalf("script: %v %v", st, err)
	}
	// It calls "$AVMSH_BIN" rpc with the target: run it with a fake avmsh.
	fake := write(t, dir, "fake-avmsh", "#!/bin/sh\necho \"$@\"\n", 0o755)
	var out bytes.Buffer
	code, err := Run(context.Background(), Plugin{Name: "blink", Path: path, Executable: true}, nil,
		[]string{"AVMSH_BIN=" + fake, "AVMSH_TARGET=app@h", "AVMSH_OUTPUT=json", "AVMSH_NODE=me@127.0.0.1", "AVMSH_NAME_MODE=longnames"},
		Streams{Out: &out, Err: &out})
	if err != nil || code != 0 || out.String() != "rpc app@h erlang system_info otp_release --output json --name me@127.0.0.1\n" {
		t.Fatalf("skeleton run: %d %v %q", code, err, out.String())
	}
	code, _ = Run(context.Background(), Plugin{Name: "blink", Path: path, Executable: true}, nil, nil, Streams{Out: &out, Err: &out})
	if code != 2 {
		t.Fatalf("no target: %d", code)
	}
	if _, err := NewSkeleton(dir, "blink", Script, "dev"); err == nil {
		t.Fatal("overwrote a plugin")
	}
	gp, err := NewSkeleton(dir, "sensors", Go, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := os.ReadFile(filepath.Join(gp, "go.mod"))
	if !strings.Contains(string(mod), "module avmsh-sensors") || !strings.Contains(string(mod), "require github.com/avmsh/avmsh v1.2.3") {
		t.Fatalf("go.mod: %s", mod)
	}
	for _, bad := range []string{"Bad", "a/b", "", "-x"} {
		if _, err := NewSkeleton(dir, bad, Script, ""); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, err := NewSkeleton(dir, "k", "rust", ""); err == nil {
		t.Error("unknown kind accepted")
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, b *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", s, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
