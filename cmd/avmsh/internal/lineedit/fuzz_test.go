package lineedit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeKey: any input decodes into keys without panicking, every
// step makes progress and stays within the input.
func FuzzDecodeKey(f *testing.F) {
	for _, s := range []string{"a", "\x1b", "\x1b[", "\x1b[1;5C", "\x1b[3~", "\x1bOA", "\x1bb", "\xe7\x95", "界", "\x1b[" + strings.Repeat("1", 40) + "~", "\x1b\x1b[A"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			k, n := decodeKey(b)
			if n == 0 {
				k, n = forceKey(b)
			}
			if n <= 0 || n > len(b) {
				t.Fatalf("decode of %q used %d bytes", b, n)
			}
			if k.Code >= 0 && !utf8.ValidRune(k.Code) {
				t.Fatalf("invalid rune %x from %q", k.Code, b)
			}
			b = b[n:]
		}
	})
}

// FuzzEditor: any keystrokes, at any width, leave the editor in a sane
// state: reads end at the end of the input and never panic.
func FuzzEditor(f *testing.F) {
	f.Add([]byte("X = [1,\r2].\r"), uint8(20))
	f.Add([]byte("abc\x1b[D\x1b[Dx\x7f\x17\x0b\x19\x12ab\x1b\r\x03"), uint8(8))
	f.Add([]byte("\x1b[A\x1b[A\x1b[B\x10\x0e\t\x0c界界\r"), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, width uint8) {
		w := int(width)
		ed, err := New(Config{
			In: bytes.NewReader(in), Out: io.Discard, Interactive: true, Width: func() int { return w },
			Complete: func(before string, _ int) (string, []Candidate) {
				return "", []Candidate{{Text: "lists:"}, {Text: "lists:seq("}}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer ed.Close()
		for range 1000 {
			_, err := ed.ReadCommand(context.Background(), "1> ", "")
			if errors.Is(err, ErrJobControl) { // Ctrl-G: the caller's menu, then the next command
				continue
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatal("the input never ended")
	})
}
