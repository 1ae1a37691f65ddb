package etf_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestHostileLengths: a length field that claims more than the input
// holds fails before anything is allocated.
func TestHostileLengths(t *testing.T) {
	ff := []byte{0xFF, 0xFF, 0xFF, 0xFF}
	zlibHeader := []byte{0x78, 0x9C}
	cases := map[string][]byte{
		"LIST_EXT 2^32-1":                 cat([]byte{131, 108}, ff, []byte{97, 1, 97, 2}),
		"LARGE_TUPLE_EXT 2^32-1":          cat([]byte{131, 105}, ff, []byte{106, 106}),
		"MAP_EXT 2^32-1":                  cat([]byte{131, 116}, ff, []byte{106, 106}),
		"BINARY_EXT 2^32-1":               cat([]byte{131, 109}, ff, []byte{1, 2}),
		"BIT_BINARY_EXT 2^32-1":           cat([]byte{131, 77}, ff, []byte{3, 1}),
		"LARGE_BIG_EXT 2^32-1":            cat([]byte{131, 111}, ff, []byte{0, 1}),
		"STRING_EXT 65535":                []byte{131, 107, 0xFF, 0xFF, 1, 2, 3},
		"ATOM_UTF8_EXT 65535":             []byte{131, 118, 0xFF, 0xFF, 'a'},
		"NEW_FUN_EXT NumFree 2^32":        cat([]byte{131, 112}, ff, []byte{0}, make([]byte, 16), ff, ff, []byte{119, 1, 'm'}),
		"NEWER_REFERENCE_EXT 65535 words": []byte{131, 90, 0xFF, 0xFF, 119, 1, 'n', 0, 0, 0, 1},
		"compressed 2^32-1":               cat([]byte{131, 80}, ff, zlibHeader),
		"compressed beyond ratio":         cat([]byte{131, 80, 0, 0x10, 0, 0}, zlibHeader, []byte{1, 2, 3}),
	}
	for name, in := range cases {
		var err error
		n := allocated(func() { _, _, err = etf.Decode(in, 0, nil) })
		var de *etf.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, want a *DecodeError", name, err)
			continue
		}
		if n > 16<<10 {
			t.Errorf("%s: allocated %d bytes before failing (%v)", name, n, err)
		}
	}
}

// TestDeepNesting: a million nested lists fail with ErrLimit instead of
// exhausting the stack; the same depth in list tails decodes.
func TestDeepNesting(t *testing.T) {
	const depth = 1_000_000
	head := bytes.Repeat([]byte{108, 0, 0, 0, 1}, depth) // [[[[...
	in := cat([]byte{131}, head, []byte{106}, bytes.Repeat([]byte{106}, depth))
	_, _, err := etf.Decode(in, 0, nil)
	if !errors.Is(err, etf.ErrLimit) {
		t.Fatalf("1M-deep list: got %v, want ErrLimit", err)
	}
	tuples := cat([]byte{131}, bytes.Repeat([]byte{104, 1}, depth), []byte{106})
	if _, _, err := etf.Decode(tuples, 0, nil); !errors.Is(err, etf.ErrLimit) {
		t.Fatalf("1M-deep tuple: got %v", err)
	}
	// A raised limit is honoured (50k levels: deep enough to exceed the
	// default, shallow enough for the race detector's larger frames).
	const raised = 50_000
	mid := cat([]byte{131}, bytes.Repeat([]byte{104, 1}, raised), []byte{106})
	if _, _, err := etf.Decode(mid, 0, &etf.DecodeOptions{MaxDepth: raised + 1}); err != nil {
		t.Fatalf("50k-deep tuple within a raised limit: %v", err)
	}
	// [1 | [1 | [1 | ... ]]] as a chain of one-element LIST_EXT tails.
	chain := cat([]byte{131}, bytes.Repeat([]byte{108, 0, 0, 0, 1, 97, 1}, depth), []byte{106})
	v, _, err := etf.Decode(chain, 0, nil)
	if err != nil {
		t.Fatalf("1M-long tail chain: %v", err)
	}
	if l, ok := v.(term.List); !ok || len(l) != depth {
		t.Fatalf("tail chain decoded to %s", etf.Describe(v, 40))
	}
	// Encoding a deep term is bounded the same way.
	var deep term.Term = term.Nil
	for range etf.DefaultMaxDepth + 1 {
		deep = term.List{deep}
	}
	if _, err := etf.Marshal(deep); !errors.Is(err, etf.ErrLimit) {
		t.Fatalf("encoding too deep a term: %v", err)
	}
}

func zlibBytes(p []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(p)
	_ = w.Close()
	return buf.Bytes()
}

func compressedTerm(declared uint32, inner []byte) []byte {
	out := []byte{131, 80, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[2:], declared)
	return append(out, zlibBytes(inner)...)
}

func TestCompressedLimits(t *testing.T) {
	big := cat([]byte{109, 0, 0x10, 0, 0}, make([]byte, 1<<20)) // a 1 MiB binary
	if _, _, err := etf.Decode(compressedTerm(uint32(len(big)), big), 0, &etf.DecodeOptions{MaxSize: 64 << 10}); !errors.Is(err, etf.ErrLimit) {
		t.Errorf("over MaxSize: %v", err)
	}
	if v, _, err := etf.Decode(compressedTerm(uint32(len(big)), big), 0, nil); err != nil || len(v.(term.Binary)) != 1<<20 {
		t.Errorf("1 MiB within the default limit: %v", err)
	}
	if _, _, err := etf.Decode(compressedTerm(10, big), 0, nil); !errors.Is(err, etf.ErrInvalid) {
		t.Errorf("inflates to more than declared: %v", err)
	}
	if _, _, err := etf.Decode(compressedTerm(uint32(len(big))+1, big), 0, nil); !errors.Is(err, etf.ErrInvalid) {
		t.Errorf("inflates to less than declared: %v", err)
	}
	two := []byte{106, 106}
	if _, _, err := etf.Decode(compressedTerm(2, two), 0, nil); !errors.Is(err, etf.ErrInvalid) {
		t.Errorf("two terms inside: %v", err)
	}
	corrupt := compressedTerm(uint32(len(big)), big)
	corrupt[len(corrupt)-1] ^= 0xFF // Adler-32
	if _, _, err := etf.Decode(corrupt, 0, nil); !errors.Is(err, etf.ErrInvalid) {
		t.Errorf("bad checksum: %v", err)
	}
	// A compressed term followed by another term: the offset is exact.
	pkt := append(compressedTerm(uint32(len(big)), big), 131, 106)
	_, n, err := etf.Decode(pkt, 0, nil)
	if err != nil || n != len(pkt)-2 {
		t.Errorf("consumed %d of %d: %v", n, len(pkt)-2, err)
	}
}

// TestTruncations: every proper prefix of an encoding is an error.
func TestTruncations(t *testing.T) {
	checked := 0
	for _, e := range corpus.Entries() {
		b, err := etf.Marshal(e.Term)
		if err != nil || len(b) > 600 {
			continue
		}
		for i := 1; i < len(b); i++ {
			if _, _, err := etf.Decode(b[:i], 0, nil); err == nil {
				t.Fatalf("%s: the %d-byte prefix of %d decoded", e.Label, i, len(b))
			}
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("only %d terms checked", checked)
	}
}

func TestInvalidValues(t *testing.T) {
	for name, in := range map[string][]byte{
		"NaN":                      {131, 70, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0},
		"infinity":                 {131, 70, 0x7F, 0xF0, 0, 0, 0, 0, 0, 0},
		"invalid UTF-8 atom":       {131, 119, 2, 0xC3, 0x28},
		"256-char atom":            cat([]byte{131, 100, 1, 0}, bytes.Repeat([]byte{'a'}, 256)),
		"duplicate map keys":       {131, 116, 0, 0, 0, 2, 97, 1, 106, 97, 1, 106},
		"bits 0 with data":         {131, 77, 0, 0, 0, 1, 0, 0xFF},
		"bits 9":                   {131, 77, 0, 0, 0, 1, 9, 0xFF},
		"reference of 0 words":     {131, 90, 0, 0, 119, 1, 'n', 0, 0, 0, 1},
		"unknown tag":              {131, 200},
		"nested compressed":        {131, 104, 1, 80, 0, 0, 0, 1},
		"export arity 256":         {131, 113, 119, 1, 'm', 119, 1, 'f', 98, 0, 0, 1, 0},
		"pid with a non-atom node": {131, 88, 97, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"fun creator not a pid":    cat([]byte{131, 112, 0, 0, 0, 40, 0}, make([]byte, 16), []byte{0, 0, 0, 0, 0, 0, 0, 0, 119, 1, 'm', 97, 0, 97, 0, 106}),
	} {
		_, _, err := etf.Decode(in, 0, nil)
		if !errors.Is(err, etf.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}
