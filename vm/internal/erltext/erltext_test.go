package erltext

import (
	"testing"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct {
		in   string
		r    rune
		n    int
		st   EscapeStatus
		desc string
	}{
		{"n", '\n', 1, EscapeOK, "named"}, {"s", ' ', 1, EscapeOK, "space"}, {"d", 127, 1, EscapeOK, "delete"},
		{"101x", 'A', 3, EscapeOK, "octal"}, {"7", 7, 1, EscapeOK, "short octal"},
		{"x41", 'A', 3, EscapeOK, "hex"}, {"x{1F600}", 0x1F600, 8, EscapeOK, "hex braces"},
		{"x{D800}", 0, 7, EscapeBad, "surrogate"}, {"x{}", 0, 3, EscapeBad, "empty braces"},
		{"x{41", 0, 4, EscapeEOF, "open braces"}, {"xZ", 0, 1, EscapeBad, "bad hex"}, {"x4", 0, 1, EscapeEOF, "one digit at the end"},
		{"^A", 1, 2, EscapeOK, "control"}, {"^", 0, 1, EscapeEOF, "control at the end"},
		{"^\xcd", utf8.RuneError & 31, 2, EscapeOK, "control of a byte that is not UTF-8: its width is 1 (FuzzExprs)"},
		{"", 0, 0, EscapeEOF, "nothing"}, {"é", 'é', 2, EscapeOK, "any character"},
		{"\xff", 0, 1, EscapeOK, "invalid UTF-8 is U+FFFD"},
	} {
		r, n, st := Escape(c.in)
		if c.desc == "invalid UTF-8 is U+FFFD" {
			if n != 1 || st != EscapeOK {
				t.Errorf("%s: %q -> %d %v", c.desc, c.in, n, st)
			}
			continue
		}
		if r != c.r || n != c.n || st != c.st {
			t.Errorf("%s: Escape(%q) = %q, %d, %v; want %q, %d, %v", c.desc, c.in, r, n, st, c.r, c.n, c.st)
		}
	}
	if !IsReserved("receive") || IsReserved("maybe") || DigitValue('z') != 35 || DigitValue('!') != 99 {
		t.Fatal("tables")
	}
}

func TestBitWriter(t *testing.T) {
	var w BitWriter
	w.WriteBit(1)
	w.WriteUint(0x5, 3)
	_ = w.WriteByte(0xFF)
	w.WriteBits([]byte{0xA0}, 4)
	if w.Len() != 16 || !term.ExactEqual(w.Term(), term.Binary{0xDF, 0xFA}) {
		t.Fatalf("%d bits: %v", w.Len(), w.Term())
	}
	w.WriteUint(0x1, 1)
	if b, ok := w.Term().(term.Bitstring); !ok || b.BitSize() != 17 {
		t.Fatalf("17 bits: %v", w.Term())
	}
}
