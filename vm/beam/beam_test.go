package beam

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The .beam files in testdata were compiled from the .erl files beside
// them by OTP 25's erlc (compiler 8.2.3): `erlc +debug_info hello.erl
// counter.erl` and `erlc future.erl funtail.erl`; future.beam's Code header was then
// patched (opcode max 169 → 182) to look like a module compiled by
// OTP 26.
//
// The *.packbeam.beam and *.packbeam-nolines.beam goldens are what
// atomvm_packbeam 0.8.2 (github.com/atomvm/atomvm_packbeam at ee5527b,
// built outside this repository with `erlc -o ebin src/*.erl`) stores
// for these modules, extracted with its own API:
//
//	erl -noshell -pa packbeam/ebin -eval '
//	  ok = packbeam_api:create("t.avm", ["hello.beam", "counter.beam", "funtail.beam"]),
//	  [file:write_file(filename:rootname(packbeam_api:get_element_name(E)) ++ ".packbeam.beam",
//	                   packbeam_api:get_element_data(E)) || E <- packbeam_api:list("t.avm")],
//	  halt().'
//
// and the same with #{include_lines => false} into *.packbeam-nolines.beam.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHello(t *testing.T) {
	f, err := Parse(readTestdata(t, "hello.beam"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Module != "hello" {
		t.Errorf("module %q", f.Module)
	}
	if !f.Exported("start", 0) || !f.Exported("greet", 1) || f.Exported("greet", 2) {
		t.Errorf("exports %+v", f.Exports)
	}
	found := false
	for _, m := range f.Imports {
		if m == (MFA{"io", "format", 2}) {
			found = true
		}
	}
	if !found {
		t.Errorf("imports %+v lack io:format/2", f.Imports)
	}
	if f.Compiler != "8.2.3" {
		t.Errorf("compiler %q, want 8.2.3", f.Compiler)
	}
	if f.Code.InstructionSet != 0 || f.Code.Functions < 2 || f.Code.Labels < 4 {
		t.Errorf("code header %+v", f.Code)
	}
	if !f.Opcodes.Has(2) || !f.Opcodes.Has(3) || !f.Opcodes.Has(1) {
		t.Errorf("opcodes %v lack label/func_info/int_code_end", f.Opcodes.List())
	}
	top := f.Opcodes.List()[len(f.Opcodes.List())-1]
	if top > f.Code.OpcodeMax {
		t.Errorf("scan found opcode %d above the header's max %d", top, f.Code.OpcodeMax)
	}
	if got := f.MinOTP(); got > 25 || got < 21 {
		t.Errorf("MinOTP %d for a module compiled by OTP 25", got)
	}
	if err := f.CheckOTP("25"); err != nil {
		t.Errorf("OTP 25: %v", err)
	}
	if err := f.CheckAtomVM("0.7.0-alpha.1"); err != nil {
		t.Errorf("AtomVM: %v", err)
	}
}

func TestStripMatchesPackbeam(t *testing.T) {
	for _, mod := range []string{"hello", "counter", "funtail"} {
		f, err := Parse(readTestdata(t, mod+".beam"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			golden string
			opts   StripOptions
		}{{mod + ".packbeam.beam", StripOptions{}}, {mod + ".packbeam-nolines.beam", StripOptions{RemoveLines: true}}} {
			got, err := f.Strip(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := readTestdata(t, c.golden); !bytes.Equal(got, want) {
				t.Errorf("%s: Strip differs from packbeam's (%d vs %d bytes)", c.golden, len(got), len(want))
			}
			// The stripped module parses, with the same name and exports.
			g, err := Parse(got)
			if err != nil || g.Module != mod || len(g.Exports) != len(f.Exports) {
				t.Errorf("%s: re-parse: %v", c.golden, err)
			}
			if _, ok := g.Chunk("LitT"); ok {
				t.Errorf("%s: a compressed LitT survived", c.golden)
			}
		}
	}
}

func TestFutureModule(t *testing.T) {
	f, err := Parse(readTestdata(t, "future.beam"))
	if err != nil {
		t.Fatal(err)
	}
	if f.MinOTP() != 26 {
		t.Errorf("MinOTP %d, want 26", f.MinOTP())
	}
	err = f.CheckOTP("25")
	var ie *IncompatibleError
	if !errors.As(err, &ie) || ie.NeedOTP != 26 || !strings.Contains(err.Error(), "OTP 26 or later") || !strings.Contains(err.Error(), "bs_match") {
		t.Errorf("CheckOTP(25) = %v", err)
	}
	if err := f.CheckOTP("26"); err != nil {
		t.Errorf("CheckOTP(26) = %v", err)
	}
	if err := f.CheckOTP("not a number"); err != nil {
		t.Errorf("unknown release: %v", err)
	}
}

func TestAtomVMOpcodes(t *testing.T) {
	f, err := Parse(readTestdata(t, "hello.beam"))
	if err != nil {
		t.Fatal(err)
	}
	f.Opcodes.Add(149) // on_load
	if err := f.CheckAtomVM("0.8.0"); err == nil || !strings.Contains(err.Error(), "on_load") {
		t.Errorf("on_load: %v", err)
	}
	f.Opcodes = OpcodeSet{}
	f.Opcodes.Add(183) // executable_line
	if err := f.CheckAtomVM("0.7.0-alpha.1"); err == nil || !strings.Contains(err.Error(), "from 0.8") {
		t.Errorf("executable_line on 0.7: %v", err)
	}
	if err := f.CheckAtomVM("0.8.0-dev"); err != nil {
		t.Errorf("executable_line on 0.8: %v", err)
	}
	f.Opcodes.Add(186)
	if err := f.CheckAtomVM("0.8.0"); err == nil || !strings.Contains(err.Error(), "does not know") {
		t.Errorf("opcode 186: %v", err)
	}
}

func TestCompressedBEAM(t *testing.T) {
	raw := readTestdata(t, "counter.beam")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !f.Compressed || f.Module != "counter" || !bytes.Equal(f.Raw, raw) {
		t.Errorf("compressed: %v %q", f.Compressed, f.Module)
	}
}

func TestBadInput(t *testing.T) {
	hello := readTestdata(t, "hello.beam")
	patch := func(off int, b ...byte) []byte {
		c := append([]byte(nil), hello...)
		copy(c[off:], b)
		return c
	}
	cases := []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"empty", nil, ErrNotBEAM, "no FOR1/BEAM header"},
		{"text", []byte("-module(hello).\n-export([start/0]).\n"), ErrNotBEAM, "not \"FOR1\""},
		{"header only", hello[:10], ErrTruncated, "inside the 12-byte header"},
		{"truncated", hello[:300], ErrTruncated, "cut short"},
		{"chunk too long", patch(16, 0x7f, 0, 0, 0), ErrTruncated, "chunk AtU8 announces"},
		{"binary chunk id", patch(12, 0, 1, 2, 3), ErrInvalid, "not printable"},
		{"atom count", patch(20, 0x10, 0, 0, 0), ErrInvalid, "atom count"},
	}
	for _, c := range cases {
		_, err := Parse(c.data)
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %v containing %q", c.name, err, c.kind, c.msg)
		}
	}
	big := make([]byte, MaxFileSize+1)
	copy(big, hello)
	if _, err := Parse(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big: %v", err)
	}
}

func TestReadCompact(t *testing.T) {
	cases := []struct {
		in   []byte
		tag  byte
		val  uint64
		big  bool
		used int
	}{
		{[]byte{0x10}, tagU, 1, false, 1},
		{[]byte{0x03 | 0x20}, tagX, 2, false, 1},
		{[]byte{0x08 | 0x20 | 0x05, 0x10}, tagF, 0x110, false, 2},
		{[]byte{0x18 | 0x01, 0x12, 0x34}, tagI, 0x1234, false, 3},
		{append([]byte{0xf8 | 0x01, 0x10}, make([]byte, 10)...), tagI, 0, true, 12},
	}
	for _, c := range cases {
		got, n, err := readCompact(c.in, 0)
		if err != nil || got.tag != c.tag || got.val != c.val || got.big != c.big || n != c.used {
			t.Errorf("% x: %+v %d %v", c.in, got, n, err)
		}
	}
	if _, _, err := readCompact([]byte{0x18 | 0x01, 0x12}, 0); err == nil {
		t.Error("short integer accepted")
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"hello.beam", "counter.beam", "future.beam", "hello.packbeam.beam", "funtail.beam"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bf, err := Parse(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_ = bf.MinOTP()
		_ = bf.CheckOTP("25")
		_ = bf.CheckAtomVM("0.7.0")
		if s, err := bf.Strip(StripOptions{}); err == nil {
			if _, err := Parse(s); err != nil {
				t.Fatalf("stripped module does not parse: %v", err)
			}
		}
	})
}
