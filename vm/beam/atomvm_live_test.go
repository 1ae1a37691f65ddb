package beam

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// liveAtomVM is the AtomVM build avmsh was checked against by hand
// (docs/develop.md, "Checked against AtomVM"): generic_unix, built from
// github.com/atomvm/atomvm at 7b2821593d9e on 2026-12-06. The version is
// what its erlang:system_info(atomvm_version) answered.
const liveAtomVM = "0.8.0-dev+git.7b282159"

// TestAtomVMOpcodeTableMatchesLiveBuild: CheckAtomVM accepts exactly the
// opcodes that build's loader implements (testdata/atomvm-7b282159.opcodes,
// read from its opcodes.def). Live, `avmsh load --no-check` of a module
// with -on_load (opcode 149) made it print "missing opcode: 149" and
// exit, and CheckAtomVM refused the same module before sending.
func TestAtomVMOpcodeTableMatchesLiveBuild(t *testing.T) {
	implemented := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(readTestdata(t, "atomvm-7b282159.opcodes")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("fixture line %q: %v", line, err)
		}
		implemented[op] = true
	}
	if len(implemented) != 154 {
		t.Fatalf("fixture has %d opcodes, want 154", len(implemented))
	}
	f, err := Parse(readTestdata(t, "hello.beam"))
	if err != nil {
		t.Fatal(err)
	}
	for op := 1; op <= 200; op++ {
		f.Opcodes = OpcodeSet{}
		f.Opcodes.Add(op)
		err := f.CheckAtomVM(liveAtomVM)
		if implemented[op] && err != nil {
			t.Errorf("opcode %d: that build loads it, CheckAtomVM refused: %v", op, err)
		}
		if !implemented[op] && err == nil {
			t.Errorf("opcode %d: that build aborts on it, CheckAtomVM accepted it", op)
		}
	}
}

// TestAtomVMVersionForms: the version strings AtomVM answers (a binary,
// with a +git suffix on source builds) are read as 0.8, not as older.
func TestAtomVMVersionForms(t *testing.T) {
	for v, before := range map[string]bool{
		liveAtomVM: false, "0.8.0": false, "0.8.0-dev": false, "v0.8.1": false, "0.9.0-rc.1": false,
		"0.7.0-alpha.1": true, "0.7.0-alpha.1+git.1234abcd": true, "0.6.6": true,
		"": false, "garbage": false,
	} {
		if got := atomVMBefore08(v); got != before {
			t.Errorf("atomVMBefore08(%q) = %v, want %v", v, got, before)
		}
	}
}
