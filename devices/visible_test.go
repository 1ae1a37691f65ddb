package devices

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// checkSafe fails when out holds anything a terminal would act on: ESC,
// BEL or another C0 control but tab and newline (and CR right before
// LF), DEL, a C1 control, or bytes that are not UTF-8.
func checkSafe(t *testing.T, in, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q (input %q)", out, in)
	}
	for i, r := range string(out) {
		switch {
		case r == '\n' || r == '\t':
		case r == '\r' && i+1 < len(out) && out[i+1] == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			t.Fatalf("control %U at %d in %q (input %q)", r, i, out, in)
		}
	}
	if bytes.IndexByte(out, 0x1b) >= 0 || bytes.IndexByte(out, 0x07) >= 0 {
		t.Fatalf("ESC or BEL in %q", out)
	}
}

// TestVisibleRandomBytes (defect 26): random bytes, written whole and
// in random pieces, never put an ESC, BEL or C1 control on the
// terminal, and the pieces show the same as the whole.
func TestVisibleRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 26))
	for range 2000 {
		in := make([]byte, rng.IntN(600))
		for i := range in {
			switch rng.IntN(4) {
			case 0: // controls and C1 bytes are common in line noise
				in[i] = byte(rng.IntN(0x20))
			case 1:
				in[i] = 0x80 + byte(rng.IntN(0x20))
			default:
				in[i] = byte(rng.IntN(256))
			}
		}
		whole := AppendVisible(nil, in)
		checkSafe(t, in, whole)
		var got bytes.Buffer
		w := NewVisibleWriter(&got)
		for rest := in; len(rest) > 0; {
			n := min(1+rng.IntN(8), len(rest))
			if _, err := w.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), whole) {
			t.Fatalf("in pieces %q, whole %q (input %q)", got.Bytes(), whole, in)
		}
	}
}

func TestVisibleKeepsText(t *testing.T) {
	for in, want := range map[string]string{
		"I (312) boot: ESP-IDF v5.1\r\n": "I (312) boot: ESP-IDF v5.1\r\n",
		"tab\tand\nnewline, café, 日本, €": "tab\tand\nnewline, café, 日本, €",
		"\x1b[2J\x1b]0;pwned\x07":        "^[[2J^[]0;pwned^G",
		"50%\r75%\r":                     "50%^M75%^M",
		"nul\x00 del\x7f":                "nul^@ del^?",
		"c1 \xc2\x9b raw \x9b bad \xff":  `c1 \x9b raw \x9b bad \xff`,
		"cut \xe2\x82":                   `cut \xe2\x82`,
	} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzVisible(f *testing.F) {
	f.Add([]byte("\x1b[31mred\x1b[0m\r\n"), uint8(3))
	f.Add([]byte("\xe2\x82\xac\xc2\x9b\x07"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, piece uint8) {
		whole := AppendVisible(nil, in)
		checkSafe(t, in, whole)
		var got bytes.Buffer
		w := NewVisibleWriter(&got)
		n := int(piece%16) + 1
		for rest := in; len(rest) > 0; rest = rest[min(n, len(rest)):] {
			_, _ = w.Write(rest[:min(n, len(rest))])
		}
		_ = w.Flush()
		if !bytes.Equal(got.Bytes(), whole) {
			t.Fatalf("in pieces %q, whole %q", got.Bytes(), whole)
		}
	})
}
