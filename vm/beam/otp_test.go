package beam

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
)

// TestTypedRegisterNearEnd: a type-tagged register ({tr, Reg, Type}, OTP
// 25+) whose type index is larger than the bytes left in the Code chunk
// is valid. The walker used to bound it like a length and refused such
// modules: found by packing AtomVM's own atomvmlib.avm (its sets module,
// compiled by OTP 25), then 51 of OTP 25's own 1,299 .beam files.
func TestTypedRegisterNearEnd(t *testing.T) {
	f, err := Parse(readTestdata(t, "funtail.beam"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.Opcodes.List(), 178) {
		t.Fatalf("funtail has no call_fun2: %v", f.Opcodes.List())
	}
}

// TestParsesInstalledOTP: every .beam file of the installed Erlang/OTP
// (its lib/*/ebin) parses, strips, and the stripped module parses again.
func TestParsesInstalledOTP(t *testing.T) {
	erl := erltest.RequireProgram(t, "erl")
	out, err := exec.Command(erl, "-noshell", "-eval", `io:format("~s", [code:lib_dir()]), halt().`).Output()
	if err != nil {
		t.Fatalf("erl: %v", err)
	}
	lib := strings.TrimSpace(string(out))
	var n int
	err = filepath.WalkDir(lib, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".beam") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		f, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		s, err := f.Strip(StripOptions{})
		if err != nil {
			t.Errorf("%s: strip: %v", path, err)
			return nil
		}
		if _, err := Parse(s); err != nil {
			t.Errorf("%s: stripped: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d .beam files under %s", n, lib)
	}
	t.Logf("%d modules of %s", n, lib)
}
