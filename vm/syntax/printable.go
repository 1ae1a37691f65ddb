package syntax

import (
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
	"github.com/rivo/uniseg"
)

// charsLength is io_lib:chars_length/1 of text already rendered: the
// number of characters when all are below 256 (iolist_size), otherwise
// the number of grapheme clusters (string:length/1).
func charsLength(s string) int {
	n := 0
	wide := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xFF {
			wide = true
			break
		}
		i += size
		n++
	}
	if !wide {
		return n
	}
	return uniseg.GraphemeClusterCount(s)
}

// CharsLength returns io_lib:chars_length/1 of UTF-8 text: characters
// when all are below 256, otherwise grapheme clusters.
func CharsLength(s string) int { return charsLength(s) }

func printableLatin1(c int64) bool {
	switch {
	case c >= ' ' && c <= '~', c >= 0xA0 && c <= 0xFF:
		return true
	case c == '\n', c == '\r', c == '\t', c == '\v', c == '\b', c == '\f', c == 0x1B:
		return true
	}
	return false
}

func printableUnicode(c int64) bool {
	switch {
	case c >= ' ' && c <= '~':
		return true
	case c >= 0xA0 && c < 0xD800, c > 0xDFFF && c < 0xFFFE, c > 0xFFFF && c <= 0x10FFFF:
		return true
	case c == '\n', c == '\r', c == '\t', c == '\v', c == '\b', c == '\f', c == 0x1B:
		return true
	}
	return false
}

// PrintableList reports whether io_lib_pretty prints the proper list
// elems as a string under the given encoding and printable range, and
// returns its characters.
func PrintableList(elems []term.Term, enc, rng Encoding) ([]rune, bool) {
	uni := enc == Unicode && rng == Unicode
	out := make([]rune, len(elems))
	for i, e := range elems {
		c, ok := e.(term.Int)
		if !ok {
			return nil, false
		}
		if uni {
			if !printableUnicode(int64(c)) {
				return nil, false
			}
		} else if !printableLatin1(int64(c)) {
			return nil, false
		}
		out[i] = rune(c)
	}
	return out, true
}

func (p *pretty) printableList(elems []term.Term) ([]rune, bool) {
	return PrintableList(elems, p.enc, p.o.PrintableRange)
}

// binPrintable is the outcome of io_lib_pretty:printable_bin0/4.
type binPrintable struct {
	ok     bool
	latin1 bool // every character is one byte (<<"...">> rather than /utf8)
	prefix bool // only a prefix is shown (depth limit): "...>>"
	chars  []rune
}

// printableBin is printable_bin0(Bin, D, -1, Enc) of io_lib_pretty.
func (p *pretty) printableBin(b []byte, d int) binPrintable {
	n := len(b)
	if d >= 0 {
		n = min(4*d, len(b))
	}
	if n == 0 {
		return binPrintable{}
	}
	if p.enc == Unicode {
		if r, valid := p.printableBinUTF8(b, n, d); valid {
			return r
		}
	}
	return printableBinLatin1(b, n, d)
}

func latin1Runes(b []byte) []rune {
	out := make([]rune, len(b))
	for i, c := range b {
		out[i] = rune(c)
	}
	return out
}

func printableBinLatin1(b []byte, n, d int) binPrintable {
	k := 0
	for k < n && printableLatin1(int64(b[k])) {
		k++
	}
	if k == n {
		if n == len(b) {
			return binPrintable{ok: true, latin1: true, chars: latin1Runes(b)}
		}
		return binPrintable{ok: true, latin1: true, prefix: true, chars: latin1Runes(b[:n])}
	}
	if d > 0 && k >= d {
		return binPrintable{ok: true, latin1: true, prefix: true, chars: latin1Runes(b[:k])}
	}
	return binPrintable{}
}

// printableBinUTF8 is the Unicode branch of printable_bin/4; valid is
// false when the first n characters are not valid UTF-8 (the caller then
// tries latin1).
func (p *pretty) printableBinUTF8(b []byte, n, d int) (binPrintable, bool) {
	// valid_utf8(Bin, Len)
	rest := b
	for i := 0; i < n && len(rest) > 0; i++ {
		r, size := utf8.DecodeRune(rest)
		if r == utf8.RuneError && size <= 1 {
			return binPrintable{}, false
		}
		rest = rest[size:]
	}
	uni := p.o.PrintableRange == Unicode
	var chars []rune
	rest = b
	left := n
	for left > 0 && len(rest) > 0 {
		r, size := utf8.DecodeRune(rest)
		if r == utf8.RuneError && size <= 1 {
			break
		}
		ok := printableLatin1(int64(r))
		if uni {
			ok = printableUnicode(int64(r))
		}
		if !ok {
			break
		}
		chars = append(chars, r)
		rest = rest[size:]
		left--
	}
	consumed := len(b) - len(rest)
	if len(rest) == 0 {
		return binPrintable{ok: true, latin1: len(b) == len(chars), chars: chars}, true
	}
	if d > 0 && n-left >= d {
		return binPrintable{ok: true, latin1: consumed == len(chars), prefix: true, chars: chars}, true
	}
	return binPrintable{}, true
}
