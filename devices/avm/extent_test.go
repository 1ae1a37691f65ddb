package avm

import (
	"bytes"
	"errors"
	"testing"
)

// Reading a board's partition a piece at a time: every prefix of a pack
// asks for more, until the whole pack is there; erased flash after it
// changes nothing.
func TestExtentOfPrefixes(t *testing.T) {
	for _, g := range []string{"myapp.avm", "default.avm", "merged.avm"} {
		data := golden(t, g)
		d, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= len(data); n++ {
			end, need, err := Extent(data[:n])
			switch {
			case err != nil:
				t.Fatalf("%s[:%d]: %v", g, n, err)
			case n < d.End && (end != 0 || need <= n || need > d.End):
				t.Fatalf("%s[:%d]: end %d need %d (pack ends at %d)", g, n, end, need, d.End)
			case n >= d.End && end != d.End:
				t.Fatalf("%s[:%d]: end %d, want %d", g, n, end, d.End)
			}
		}
		erased := append(append([]byte(nil), data...), bytes.Repeat([]byte{0xFF}, 8192)...)
		if end, _, err := Extent(erased); err != nil || end != d.End {
			t.Errorf("%s then erased flash: end %d, %v", g, end, err)
		}
	}
}

func TestExtentRefuses(t *testing.T) {
	pack := Encode([]Record{{Name: "a.beam", Flags: FlagBEAM, Data: make([]byte, 40)}})
	bad := func(mut func([]byte)) []byte {
		b := append([]byte(nil), pack...)
		mut(b)
		return b
	}
	for name, b := range map[string][]byte{
		"erased partition": bytes.Repeat([]byte{0xFF}, 64),
		"other header":     []byte("#!/bin/sh\n"),
		"erased record":    bad(func(b []byte) { copy(b[24:], []byte{0xFF, 0xFF, 0xFF, 0xFF}) }),
		"unaligned size":   bad(func(b []byte) { b[27]++ }),
		"tiny size":        bad(func(b []byte) { copy(b[24:], []byte{0, 0, 0, 8}) }),
		"huge size":        bad(func(b []byte) { copy(b[24:], []byte{0x7F, 0xFF, 0xFF, 0xFC}) }),
	} {
		_, _, err := Extent(b)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzExtent(f *testing.F) {
	for _, g := range []string{"myapp.avm", "default.avm", "merged.avm"} {
		f.Add(golden(f, g))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		end, need, err := Extent(data)
		switch {
		case err != nil:
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T", err)
			}
			return
		case end == 0 && need <= len(data):
			t.Fatalf("incomplete, but asks for %d of %d bytes", need, len(data))
		case end > len(data) || end > 0 && need != 0:
			t.Fatalf("end %d need %d of %d bytes", end, need, len(data))
		}
		if d, err := Decode(data); err == nil && end > 0 && d.End != end {
			t.Fatalf("Extent ends at %d, Decode at %d", end, d.End)
		}
	})
}
