package devices

import (
	"io"
	"unicode/utf8"
)

// AppendVisible appends the console text p to dst with every character
// a terminal would act on made visible, so that a board (or noise on the
// line) cannot drive the terminal it is shown on: C0 controls and DEL in
// caret notation (ESC is ^[, BEL ^G, a CR not followed by LF ^M), C1
// controls and bytes that are not UTF-8 as \xNN. Tabs, newlines, CR LF
// and valid UTF-8 text are kept. No ESC, BEL or C1 control is left in
// the output, which is always valid UTF-8.
//
// It is the one sanitizer for console text: the dashboard's devices
// view, `avmsh serve` and `avmsh monitor --safe` use it (a monitor, like
// idf.py's or miniterm, passes the bytes on by default).
func AppendVisible(dst, p []byte) []byte {
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f):
			dst = append(dst, c)
			i++
			continue
		case c == '\r' && i+1 < len(p) && p[i+1] == '\n':
			dst = append(dst, '\r', '\n')
			i += 2
			continue
		case c < 0x20:
			dst = append(dst, '^', c+'@')
			i++
			continue
		case c == 0x7f:
			dst = append(dst, '^', '?')
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r <= 0x9f) {
			// Not UTF-8, or a C1 control (U+0080–U+009F, whose value is
			// the byte a C1 terminal would act on).
			v := byte(r)
			if n == 1 {
				v = c
			}
			dst = append(dst, '\\', 'x', hexDigit[v>>4], hexDigit[v&0xf])
			i += n
			continue
		}
		dst = append(dst, p[i:i+n]...)
		i += n
	}
	return dst
}

const hexDigit = "0123456789abcdef"

// Visible is AppendVisible for a string (a whole console line).
func Visible(s string) string { return string(AppendVisible(nil, []byte(s))) }

// VisibleWriter writes console text to a terminal through AppendVisible.
// A character split between two writes (a UTF-8 sequence, a CR whose LF
// comes next) is held until the next write or Flush.
type VisibleWriter struct {
	w    io.Writer
	tail []byte
	out  []byte
}

// NewVisibleWriter returns a VisibleWriter to w. It is not safe for
// concurrent use (give it to one writer, or wrap it).
func NewVisibleWriter(w io.Writer) *VisibleWriter { return &VisibleWriter{w: w} }

// Write shows p on the underlying writer.
func (v *VisibleWriter) Write(p []byte) (int, error) {
	data := p
	if len(v.tail) > 0 {
		data = append(v.tail, p...)
	}
	cut := len(data) - pending(data)
	v.out = AppendVisible(v.out[:0], data[:cut])
	v.tail = append(v.tail[:0:0], data[cut:]...)
	if len(v.out) > 0 {
		if _, err := v.w.Write(v.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush shows what is held back (as it is: an incomplete sequence).
func (v *VisibleWriter) Flush() error {
	if len(v.tail) == 0 {
		return nil
	}
	v.out = AppendVisible(v.out[:0], v.tail)
	v.tail = v.tail[:0]
	_, err := v.w.Write(v.out)
	return err
}

// pending is how many bytes at the end of p may be completed by the
// next write: a CR (its LF may follow) or the start of a UTF-8 sequence.
func pending(p []byte) int {
	if n := len(p); n > 0 && p[n-1] == '\r' {
		return 1
	}
	for k := 1; k <= utf8.UTFMax-1 && k <= len(p); k++ {
		c := p[len(p)-k]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(p[len(p)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}
