package avm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/beam"
)

// The goldens testdata/*.avm were written by atomvm_packbeam 0.8.2
// (github.com/atomvm/atomvm_packbeam at ee5527b, built outside this
// repository with `erlc -o ebin src/*.erl`) from the committed
// testdata/myapp/ebin/*.beam (OTP 25's `erlc +debug_info -o ebin
// src/hello.erl src/counter.erl src/util.erl`) and priv files, run in
// testdata/ as:
//
//	erl -noshell -pa packbeam/ebin -eval '
//	  P = fun(F) -> {"myapp/priv/" ++ F, "myapp/priv/" ++ F} end,
//	  ok = packbeam_api:create("myapp.avm", ["myapp/ebin/counter.beam", "myapp/ebin/hello.beam",
//	         "myapp/ebin/util.beam", P("config.txt"), P("z.txt"), P("sub/data.bin"), P("assets/a.txt")],
//	         #{start_module => hello}),
//	  ok = packbeam_api:create("default.avm", ["myapp/ebin/hello.beam", "myapp/ebin/counter.beam",
//	         "myapp/priv/config.txt"]),
//	  ok = packbeam_api:create("lib-nolines.avm", ["myapp/ebin/counter.beam", "myapp/ebin/util.beam",
//	         "myapp/ebin/hello.beam"], #{lib => true, include_lines => false}),
//	  ok = packbeam_api:create("merged.avm", ["myapp/ebin/hello.beam", "lib-nolines.avm"]),
//	  halt().'

func golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func inputs(t testing.TB, paths ...string) []Input {
	t.Helper()
	var out []Input
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Input{Kind: KindOf(p), Name: p, Path: p, Data: b})
	}
	return out
}

func records(es []Entry) []Record {
	out := make([]Record, len(es))
	for i, e := range es {
		out[i] = e.Record
	}
	return out
}

func TestPackMatchesPackbeam(t *testing.T) {
	cases := []struct {
		golden string
		paths  []string
		opts   Options
	}{
		{"default.avm", []string{"myapp/ebin/hello.beam", "myapp/ebin/counter.beam", "myapp/priv/config.txt"}, Options{}},
		{"lib-nolines.avm", []string{"myapp/ebin/counter.beam", "myapp/ebin/util.beam", "myapp/ebin/hello.beam"}, Options{Lib: true, RemoveLines: true}},
		{"merged.avm", []string{"myapp/ebin/hello.beam", "lib-nolines.avm"}, Options{}},
	}
	for _, c := range cases {
		es, err := Pack(inputs(t, c.paths...), c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.golden, err)
		}
		if got, want := Encode(records(es)), golden(t, c.golden); !bytes.Equal(got, want) {
			t.Errorf("%s: differs from packbeam's output (%d vs %d bytes)", c.golden, len(got), len(want))
		}
	}
}

// TestCollectAppMatchesPackbeam packs the application directory as
// `avmsh pack --start hello testdata/myapp` does and compares with
// packbeam given the same files in the same order.
func TestCollectAppMatchesPackbeam(t *testing.T) {
	ins, err := Collect([]string{filepath.Join("testdata", "myapp")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ins {
		if in.Kind == KindNormal {
			names = append(names, in.Name)
		}
	}
	want := []string{"myapp/priv/config.txt", "myapp/priv/z.txt", "myapp/priv/sub/data.bin", "myapp/priv/assets/a.txt"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("priv names %q, want %q", names, want)
	}
	es, err := Pack(ins, Options{Start: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if got := Encode(records(es)); !bytes.Equal(got, golden(t, "myapp.avm")) {
		t.Errorf("myapp.avm differs from packbeam's output")
	}
	// The same through the ebin directory and through a rebar3 lib tree.
	for _, dir := range []string{filepath.Join("testdata", "myapp", "ebin"), "testdata"} {
		ins2, err := Collect([]string{dir})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		es2, err := Pack(ins2, Options{Start: "hello"})
		if err != nil || !bytes.Equal(Encode(records(es2)), golden(t, "myapp.avm")) {
			t.Errorf("%s: differs (%v)", dir, err)
		}
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, g := range []string{"myapp.avm", "default.avm", "lib-nolines.avm", "merged.avm"} {
		data := golden(t, g)
		d, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		if !bytes.Equal(Encode(d.Records), data) || d.End != len(data) {
			t.Errorf("%s: re-encoding differs", g)
		}
	}
	d, _ := Decode(golden(t, "myapp.avm"))
	if r := d.Records[0]; r.Name != "hello.beam" || !r.IsStart() || !r.IsBEAM() || r.Module() != "hello" {
		t.Errorf("first record %+v", r.Name)
	}
	if r := d.Records[3]; r.Name != "myapp/priv/config.txt" || string(r.Contents()) != "wifi_ssid=test\n" {
		t.Errorf("config record %q %q", r.Name, r.Contents())
	}
	// Erased flash after the pack (as read back from a board) is ignored.
	withFlash := append(golden(t, "myapp.avm"), bytes.Repeat([]byte{0xff}, 4096)...)
	if d, err := Decode(withFlash); err != nil || len(d.Records) != 7 {
		t.Errorf("trailing erased flash: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := golden(t, "default.avm")
	mut := func(off int, b ...byte) []byte {
		c := append([]byte(nil), good...)
		copy(c[off:], b)
		return c
	}
	first := binary.BigEndian.Uint32(good[24:])
	cases := []struct {
		name string
		data []byte
		msg  string
		off  int
	}{
		{"no header", []byte("hello"), "no AtomVM pack header", 0},
		{"no end", good[:len(good)-16], "without an end record", len(good) - 16},
		{"cut record", good[:100], "runs past the end", 24},
		{"odd size", mut(24, 0, 0, 0, 0x15), "not a multiple of 4", 24},
		{"tiny size", mut(24, 0, 0, 0, 8), "smaller than a record header", 24},
		{"erased", mut(24+int(first), 0xff, 0xff, 0xff, 0xff), "erased flash", 24 + int(first)},
	}
	for _, c := range cases {
		_, err := Decode(c.data)
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.msg) || fe.Offset != c.off {
			t.Errorf("%s: %v (want %q at %d)", c.name, err, c.msg, c.off)
		}
	}
}

func TestPackErrors(t *testing.T) {
	if _, err := Pack(inputs(t, "myapp/ebin/counter.beam"), Options{Start: "hello"}); err == nil || !strings.Contains(err.Error(), "not among") {
		t.Errorf("missing start: %v", err)
	}
	bad := []Input{{Kind: KindBEAM, Path: "x.beam", Data: []byte("not a beam")}}
	if _, err := Pack(bad, Options{}); !errors.Is(err, ErrBadInput) || !errors.Is(err, beam.ErrNotBEAM) {
		t.Errorf("bad beam: %v", err)
	}
	empty := t.TempDir()
	if _, err := Collect([]string{empty}); !errors.Is(err, ErrNothing) {
		t.Errorf("empty dir: %v", err)
	}
}

func TestReplace(t *testing.T) {
	old := golden(t, "myapp.avm")
	b, err := os.ReadFile(filepath.Join("testdata", "myapp", "ebin", "counter.beam"))
	if err != nil {
		t.Fatal(err)
	}
	counter, _ := beam.Parse(b)
	// A "new" module: util under another name is enough for the format.
	u, _ := os.ReadFile(filepath.Join("testdata", "myapp", "ebin", "util.beam"))
	util, _ := beam.Parse(u)
	next, err := Replace(old, []*beam.File{counter, util}, beam.StripOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Same modules: the result is byte-identical, no sector changes.
	if !bytes.Equal(next, old) || len(ChangedSectors(old, next, 4096)) != 0 {
		t.Fatalf("replacing modules by themselves changed the pack")
	}
	// A changed counter: same place, start module still first.
	next, err = Replace(old, []*beam.File{counter}, beam.StripOptions{RemoveLines: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(next)
	if err != nil {
		t.Fatal(err)
	}
	if d.Records[0].Name != "hello.beam" || !d.Records[0].IsStart() || d.Records[1].Name != "counter.beam" {
		t.Errorf("order after replace: %q %q", d.Records[0].Name, d.Records[1].Name)
	}
	stripped, _ := counter.Strip(beam.StripOptions{RemoveLines: true})
	if !bytes.Equal(d.Records[1].Data, stripped) {
		t.Error("counter not replaced")
	}
	if s := ChangedSectors(old, next, 256); len(s) == 0 || s[0] != int(d.Records[1].Offset/256) {
		t.Errorf("changed sectors %v, record at %d", s, d.Records[1].Offset)
	}
}

func FuzzDecode(f *testing.F) {
	for _, g := range []string{"myapp.avm", "default.avm", "merged.avm"} {
		f.Add(golden(f, g))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		again, err := Decode(Encode(d.Records))
		if err != nil || len(again.Records) != len(d.Records) {
			t.Fatalf("re-encoded pack does not decode: %v", err)
		}
		for _, r := range d.Records {
			_ = r.Contents()
			_ = r.Module()
		}
	})
}
