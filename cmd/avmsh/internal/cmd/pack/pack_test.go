package packcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

// testdata is devices/avm's: an application compiled by OTP 25 and the
// .avm atomvm_packbeam 0.8.2 made of it (see devices/avm/avm_test.go
// for exactly how).
var testdata = filepath.Join("..", "..", "..", "..", "..", "devices", "avm", "testdata")

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{Version: "test", IO: &cmdutil.IOStreams{Out: &out, ErrOut: &errOut}, Getenv: func(string) string { return "" }}
	cmd := NewCmdPack(f)
	cmd.SetArgs(args)
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestPackIsPackbeamAndLists(t *testing.T) {
	out := filepath.Join(t.TempDir(), "myapp.avm")
	// hello is the only module exporting start/0: it is the start module
	// without --start, exactly as packbeam --start hello writes it.
	stdout, stderr, code := run(t, "-o", out, filepath.Join(testdata, "myapp"))
	if code != 0 || !strings.Contains(stdout, "3 modules, 4 files") || !strings.Contains(stdout, "start module hello") {
		t.Fatalf("pack: %d %q %q", code, stdout, stderr)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(filepath.Join(testdata, "myapp.avm"))
	if !bytes.Equal(got, want) {
		t.Fatal("avmsh pack differs from atomvm_packbeam's myapp.avm")
	}
	// Round trip: --list shows what was packed.
	stdout, _, code = run(t, "--list", out)
	if code != 0 || !hasRow(stdout, "hello.beam start,beam (3) 504") || !hasRow(stdout, "myapp/priv/config.txt file (4) 15") {
		t.Fatalf("list:\n%s", stdout)
	}
	stdout, _, code = run(t, "--list", out, "--output", "json")
	var l []struct {
		Name, Kind, Module string
		Start              bool
		Size               int
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &l) != nil || len(l) != 7 || l[0].Module != "hello" || !l[0].Start || l[3].Size != 15 {
		t.Fatalf("list json: %s", stdout)
	}
}

func TestPackStartRules(t *testing.T) {
	dir := t.TempDir()
	ebin := filepath.Join(testdata, "myapp", "ebin")
	if _, stderr, code := run(t, "-o", filepath.Join(dir, "a.avm"), "--start", "counter", ebin); code != 2 || !strings.Contains(stderr, "does not export start/0") {
		t.Errorf("start without start/0: %d %s", code, stderr)
	}
	if _, stderr, code := run(t, "-o", filepath.Join(dir, "a.avm"), "--start", "nope", ebin); code != 2 || !strings.Contains(stderr, "no such module") {
		t.Errorf("unknown start: %d %s", code, stderr)
	}
	stdout, _, code := run(t, "-o", filepath.Join(dir, "lib.avm"), "--lib", "-r", ebin)
	if code != 0 || !strings.Contains(stdout, "library") {
		t.Errorf("lib: %d %s", code, stdout)
	}
	stdout, _, code = run(t, "-o", filepath.Join(dir, "one.avm"), filepath.Join(ebin, "hello.beam"))
	if code != 0 || !strings.Contains(stdout, ": 1 module, 0 files,") {
		t.Errorf("one module: %d %s", code, stdout)
	}
	// Two modules exporting start/0 need --start (here hello twice).
	hello := filepath.Join(ebin, "hello.beam")
	if _, stderr, code := run(t, "-o", filepath.Join(dir, "b.avm"), hello, hello); code != 2 || !strings.Contains(stderr, "several modules export start/0") {
		t.Errorf("two starters: %d %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "x.avm"), nil, 0o644)
	if _, stderr, code := run(t, "-o", filepath.Join(dir, "b.avm"), filepath.Join(dir, "x.avm")); code == 0 || !strings.Contains(stderr, "no AtomVM pack header") {
		t.Errorf("empty .avm input: %d %s", code, stderr)
	}
	if _, stderr, code := run(t, "-o", filepath.Join(dir, "b.avm"), filepath.Join(dir, "empty-dir-missing")); code == 0 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing input: %d %s", code, stderr)
	}
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	if _, stderr, code := run(t, "-o", filepath.Join(dir, "b.avm"), empty); code == 0 || !strings.Contains(stderr, "no .beam files") {
		t.Errorf("empty dir: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.avm")); err == nil {
		t.Error("a failed pack left a file")
	}
}

// hasRow reports whether out has a line whose fields are row's.
func hasRow(out, row string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(l), " ") == row {
			return true
		}
	}
	return false
}

// TestPackStartWithAVMInputs: modules inside an .avm given as input are
// start candidates only if that .avm flags them (as packbeam keeps their
// flags). Live, `avmsh pack -o all.avm hello.beam greet.beam
// atomvmlib.avm` (AtomVM 7b282159's library, whose gen_event, ssl, ...
// export start/0 unflagged) asked for --start; packbeam made hello the
// start module.
func TestPackStartWithAVMInputs(t *testing.T) {
	dir := t.TempDir()
	ebin := filepath.Join(testdata, "myapp", "ebin")
	lib := filepath.Join(testdata, "lib-nolines.avm") // hello inside, not flagged start
	app := filepath.Join(testdata, "myapp.avm")       // hello flagged start
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(ebin, "counter.beam"), lib}, "(library, no start module)"},
		{[]string{filepath.Join(ebin, "hello.beam"), lib}, "(start module hello)"},
		{[]string{filepath.Join(ebin, "counter.beam"), app}, "(start module hello)"},
	} {
		stdout, stderr, code := run(t, append([]string{"-o", filepath.Join(dir, "x.avm")}, c.args...)...)
		if code != 0 || !strings.Contains(stdout, c.want) {
			t.Errorf("pack %q: %d %s%s, want %q", c.args, code, stdout, stderr, c.want)
		}
	}
}
