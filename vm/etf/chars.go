package etf

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// This file maps strings and byte lists to and from term.Chars, the
// compact list of code points: STRING_EXT, and a LIST_EXT of
// SMALL_INTEGER_EXT and INTEGER_EXT code points ending in NIL_EXT, decode
// to one; encoding it gives the bytes OTP gives for the same list.

// latin1Chars returns the list of the bytes of a STRING_EXT: each byte
// is a code point 0..255, held as UTF-8 (ASCII is copied as it is).
func latin1Chars(p []byte) term.Term {
	if len(p) == 0 {
		return term.Nil
	}
	if isASCII(p) {
		return term.Chars(p)
	}
	high := 0
	for _, c := range p {
		high += int(c >> 7)
	}
	// Latin-1 to UTF-8 in fixed buffers, without a branch per byte:
	// random bytes would mispredict half of them.
	var small [66]byte
	if 2*len(p) < len(small) {
		return term.Chars(small[:putLatin1(small[:], p)])
	}
	var sb strings.Builder
	sb.Grow(len(p) + high)
	var chunk [514]byte
	for len(p) > 0 {
		k := min(len(p), (len(chunk)-2)/2)
		sb.Write(chunk[:putLatin1(chunk[:], p[:k])])
		p = p[k:]
	}
	return term.Chars(sb.String())
}

// putLatin1 writes the UTF-8 of the Latin-1 text p to dst, which has
// room for 2*len(p)+1 bytes, and returns the length written.
func putLatin1(buf, p []byte) int {
	_ = buf[2*len(p)] // one bounds check for the loop
	k := 0
	for _, c := range p {
		hi := c >> 7
		m := -hi // 0x00 for ASCII, 0xFF otherwise
		buf[k] = c ^ ((c ^ (0xC0 | c>>6)) & m)
		buf[k+1] = 0x80 | c&0x3F // overwritten next when c is ASCII
		k += 1 + int(hi)
	}
	return k
}

// charList decodes the n elements of a LIST_EXT at d.pos as a
// term.Chars when they are all SMALL_INTEGER_EXT or INTEGER_EXT code
// points (no surrogates) and the tail is NIL_EXT: how OTP encodes a
// string with a character above 255, or a byte list too long for
// STRING_EXT. For any other shape it consumes nothing and returns false.
func (d *decoder) charList(n int) (term.Term, bool) {
	if n == 0 {
		return nil, false
	}
	b := d.b
	p, size, wide := d.pos, 0, false
	for range n {
		if p+1 >= len(b) {
			return nil, false
		}
		switch b[p] {
		case TagSmallInteger:
			size += 1 + int(b[p+1]>>7)
			p += 2
		case TagInteger:
			if p+5 > len(b) {
				return nil, false
			}
			k := utf8.RuneLen(int32At(b, p+1)) // -1 for a surrogate or a non-code point
			if k < 0 {
				return nil, false
			}
			size += k
			p += 5
			wide = true
		default:
			return nil, false
		}
	}
	if p >= len(b) || b[p] != TagNil {
		return nil, false
	}
	start := d.pos
	d.pos = p + 1
	if !wide {
		// A byte list: every other byte is a code point 0..255.
		return term.Chars(smallIntsLatin1(b[start:p], size)), true
	}
	var small [64]byte
	if size <= len(small) {
		s, _ := appendCodePoints(small[:0], b, start, n)
		return term.Chars(s), true
	}
	var sb strings.Builder
	sb.Grow(size)
	var chunk [512]byte
	for n > 0 {
		k := min(n, len(chunk)/utf8.UTFMax)
		var s []byte
		s, start = appendCodePoints(chunk[:0], b, start, k)
		sb.Write(s)
		n -= k
	}
	return term.Chars(sb.String()), true
}

// smallIntsLatin1 returns the UTF-8 (size bytes) of the SMALL_INTEGER_EXT
// elements in p (tag, byte, tag, byte...), through stack buffers and
// without a branch per byte.
func smallIntsLatin1(p []byte, size int) string {
	var small [66]byte
	if len(p) < len(small) { // at most len(p)/2 code points of two bytes, and one spare
		return string(small[:putLatin1Every2(small[:], p)])
	}
	var sb strings.Builder
	sb.Grow(size)
	var chunk [514]byte
	for len(p) > 0 {
		k := min(len(p), len(chunk)-2) // (len-2)/2 elements of 2 bytes
		sb.Write(chunk[:putLatin1Every2(chunk[:], p[:k])])
		p = p[k:]
	}
	return sb.String()
}

// putLatin1Every2 is putLatin1 for the bytes at odd offsets of p.
func putLatin1Every2(buf, p []byte) int {
	_ = buf[len(p)] // one bounds check: len(p)/2 code points need at most len(p)+1 bytes
	k := 0
	for i := 1; i < len(p); i += 2 {
		c := p[i]
		hi := c >> 7
		buf[k] = c ^ ((c ^ (0xC0 | c>>6)) & -hi)
		buf[k+1] = 0x80 | c&0x3F
		k += 1 + int(hi)
	}
	return k
}

// appendCodePoints appends, as UTF-8, the n checked SMALL_INTEGER_EXT
// and INTEGER_EXT code points at b[p:], and returns where they end.
func appendCodePoints(dst, b []byte, p, n int) ([]byte, int) {
	for range n {
		if b[p] == TagSmallInteger {
			c := b[p+1]
			hi := c >> 7
			dst = append(dst, c^((c^(0xC0|c>>6))&-hi), 0x80|c&0x3F)
			dst = dst[:len(dst)-1+int(hi)] // one byte for ASCII, as above
			p += 2
			continue
		}
		dst = utf8.AppendRune(dst, int32At(b, p+1))
		p += 5
	}
	return dst, p
}

func int32At(b []byte, p int) rune {
	return rune(int32(binary.BigEndian.Uint32(b[p:])))
}

// putLatin1Runes appends the n runes of l, all at most 255, one byte
// each, each preceded by SMALL_INTEGER_EXT when tagged. No branch per
// rune.
func putLatin1Runes(dst []byte, l term.Chars, n int, tagged bool) []byte {
	w := 1
	if tagged {
		w = 2
	}
	start := len(dst)
	dst = slices.Grow(dst, w*n)[:start+w*n]
	out := dst[start:]
	for i, k := 0, 0; k < len(out); k += w {
		c := l[i]
		var next byte
		if i+1 < len(l) {
			next = l[i+1]
		}
		hi := c >> 7 // 1 for a two-byte sequence 0xC2/0xC3 0x80..0xBF
		v := c ^ (c^(c&3<<6|next&0x3F))&-hi
		if tagged { // the same way every time: predicted
			out[k] = TagSmallInteger
		}
		out[k+w-1] = v
		i += 1 + int(hi)
	}
	return dst
}

// chars encodes a term.Chars as OTP encodes the same list: STRING_EXT
// when every code point is at most 255 and there are at most 65535 of
// them, else a LIST_EXT of SMALL_INTEGER_EXT and INTEGER_EXT.
func (e *encoder) chars(dst []byte, l term.Chars) ([]byte, error) {
	if len(l) == 0 {
		return append(dst, TagNil), nil
	}
	// In valid UTF-8 the runes are the bytes that are not continuation
	// bytes (10xxxxxx), and all of them are at most 255 when no lead
	// byte is above 0xC3. No branch per byte: random bytes would
	// mispredict.
	cont, top := 0, byte(0)
	for i := 0; i < len(l); i++ {
		c := l[i]
		v := int(c >> 6)
		cont += v >> 1 &^ v & 1
		top = max(top, c)
	}
	n := len(l) - cont
	latin1 := top <= 0xC3
	switch {
	case latin1 && n <= 65535:
		dst = append(dst, TagString, byte(n>>8), byte(n))
		if cont == 0 {
			return append(dst, l...), nil // ASCII
		}
		return putLatin1Runes(dst, l, n, false), nil
	case latin1:
		// Too long for STRING_EXT: a LIST_EXT of SMALL_INTEGER_EXT.
		dst = appendU32(append(dst, TagList), uint32(n))
		return append(putLatin1Runes(dst, l, n, true), TagNil), nil
	}
	if uint64(n) > math.MaxUint32 {
		return dst, invalid(l, "more than 2^32-1 elements")
	}
	dst = appendU32(append(dst, TagList), uint32(n))
	dst = slices.Grow(dst, 2*n+1)
	for _, r := range string(l) {
		dst = appendInt(dst, int64(r))
	}
	return append(dst, TagNil), nil
}
