package beam

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// otpMaxOpcode is the highest generic opcode each OTP release's loader
// knows (genop.tab's "# OTP N" sections). A loader refuses a module
// whose Code header names a higher opcode ({error, badfile}, "This BEAM
// file was compiled for a later version of the runtime system").
var otpMaxOpcode = []struct{ release, max int }{
	{20, 159}, {21, 163}, {22, 168}, {23, 170}, {24, 176}, {25, 180},
	{26, 182}, {27, 183}, {28, 184}, {29, 191},
}

// OTPMaxOpcode returns the highest opcode OTP release rel can load.
// Releases newer than the table are assumed to load everything known.
func OTPMaxOpcode(rel int) int {
	best := 0
	for _, e := range otpMaxOpcode {
		if e.release <= rel {
			best = e.max
		}
	}
	if rel > otpMaxOpcode[len(otpMaxOpcode)-1].release {
		return 255
	}
	return best
}

// opcodeRelease is the OTP release that introduced op (20 for every
// opcode older than OTP 21, which is as far back as targets go).
func opcodeRelease(op int) int {
	for _, e := range otpMaxOpcode {
		if op <= e.max {
			return e.release
		}
	}
	return otpMaxOpcode[len(otpMaxOpcode)-1].release + 1
}

// MinOTP returns the oldest OTP release whose loader accepts the module:
// the release of its newest opcode, or of the Code header's opcode
// maximum if that is higher (OTP's loader checks the header).
func (f *File) MinOTP() int {
	top := f.Code.OpcodeMax
	for _, op := range f.Opcodes.List() {
		top = max(top, op)
	}
	return opcodeRelease(top)
}

// IncompatibleError says why a target cannot load a module.
type IncompatibleError struct {
	Module string
	Target string // "OTP 25", "AtomVM 0.7.0-alpha.1"
	Reason string
	// NeedOTP is the oldest OTP release that loads the module (0 when
	// the reason is not the release).
	NeedOTP int
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%s cannot be loaded by %s: %s", e.Module, e.Target, e.Reason)
}

// CheckOTP checks that an OTP release (as erlang:system_info(otp_release)
// answers it, e.g. "25") can load the module.
func (f *File) CheckOTP(release string) error {
	rel, err := strconv.Atoi(strings.TrimSpace(release))
	if err != nil {
		return nil // unknown release: let the node decide
	}
	limit := OTPMaxOpcode(rel)
	need := f.MinOTP()
	top := f.Code.OpcodeMax
	for _, op := range f.Opcodes.List() {
		top = max(top, op)
	}
	if top <= limit {
		return nil
	}
	why := fmt.Sprintf("it was compiled for OTP %d or later (it uses opcode %d%s; OTP %d loads opcodes up to %d)",
		need, top, nameSuffix(top), rel, limit)
	if f.Compiler != "" {
		why += "; compiler " + f.Compiler
	}
	return &IncompatibleError{Module: f.Module, Target: "OTP " + strconv.Itoa(rel), Reason: why + "; recompile it with OTP " + strconv.Itoa(rel) + "'s erlc", NeedOTP: need}
}

func nameSuffix(op int) string {
	if n := OpcodeName(op); n != "" {
		return " " + n
	}
	return ""
}

// atomVMMissing are opcodes AtomVM's loader has no entry for
// (src/libAtomVM/opcodes.def): obsolete instructions no OTP 21+
// compiler emits, and on_load. AtomVM aborts the whole VM
// (AVM_ABORT in module.c's parse_core_chunk) on any of them. Checked
// against a source-built AtomVM 7b282159 (0.8.0-dev) on 2026-12-06: its
// opcodes.def is this table (TestAtomVMOpcodeTableMatchesLiveBuild), and
// a module with -on_load made it print "missing opcode: 149" and exit.
var atomVMMissing = []int{27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 54, 68, 76,
	79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 93, 110, 126, 127, 128, 149}

// atomVMLate are opcodes AtomVM learnt in April 2026 (after
// 0.7.0-alpha.1): nif_start (-nifs), executable_line (+line_coverage),
// debug_line (OTP 28 +beam_debug_info).
var atomVMLate = []int{179, 183, 184}

// AtomVMMaxOpcode is the highest opcode AtomVM 0.7/0.8 loads (bif3).
const AtomVMMaxOpcode = 185

// CheckAtomVM checks that an AtomVM of the given version (what
// erlang:system_info(atomvm_version) answers, e.g. "0.7.0-alpha.1";
// "" when unknown) can load the module. AtomVM versions without
// distribution (before 0.7) cannot be reached, so they are not modelled.
func (f *File) CheckAtomVM(version string) error {
	target := "AtomVM"
	if version != "" {
		target += " " + version
	}
	fail := func(format string, args ...any) error {
		return &IncompatibleError{Module: f.Module, Target: target, Reason: fmt.Sprintf(format, args...)}
	}
	if f.Latin1Atoms {
		return fail("it has a Latin-1 Atom chunk (compiled before OTP 20); AtomVM reads only AtU8")
	}
	for _, id := range []string{"LocT", "StrT"} {
		if _, ok := f.Chunk(id); !ok {
			return fail("it has no %s chunk, which AtomVM's loader reads unconditionally", id)
		}
	}
	late := atomVMBefore08(version)
	for _, op := range f.Opcodes.List() {
		switch {
		case op > AtomVMMaxOpcode || opcodeInfo(op).name == "":
			return fail("it uses opcode %d%s (OTP %d), which AtomVM does not know (AtomVM would abort)", op, nameSuffix(op), opcodeRelease(op))
		case contains(atomVMMissing, op):
			return fail("it uses opcode %d%s, which AtomVM does not implement (AtomVM would abort)", op, nameSuffix(op))
		case late && contains(atomVMLate, op):
			return fail("it uses opcode %d%s, which AtomVM implements only from 0.8 (this one would abort); recompile without -nifs, +line_coverage or +beam_debug_info", op, nameSuffix(op))
		}
	}
	return nil
}

// atomVMBefore08 reports a version older than 0.8.0 ("0.7.0-alpha.1").
func atomVMBefore08(v string) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return err1 == nil && err2 == nil && major == 0 && minor < 8
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// compilerVersion reads {version, V} from the CInf chunk (a
// term_to_binary'd proplist).
func (f *File) compilerVersion() string {
	b, ok := f.Chunk("CInf")
	if !ok {
		return ""
	}
	t, err := etf.UnmarshalOptions(b, &etf.DecodeOptions{MaxSize: 1 << 20, MaxDepth: 16})
	if err != nil {
		return ""
	}
	// The version is a string: etf decodes it as a term.Chars.
	for _, e := range term.ListElems(t) {
		kv, ok := e.(term.Tuple)
		if !ok || len(kv) != 2 || kv[0] != term.Atom("version") {
			continue
		}
		if term.IsProperList(kv[1]) {
			var sb strings.Builder
			for _, c := range term.ListElems(kv[1]) {
				if i, ok := c.(term.Int); ok && i > 0 && i < 128 {
					sb.WriteByte(byte(i))
				}
			}
			return sb.String()
		}
	}
	return ""
}
