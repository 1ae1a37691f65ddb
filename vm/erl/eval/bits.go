package eval

import (
	"math"
	"math/big"

	"github.com/avmsh/avmsh/vm/internal/erltext"
	"github.com/avmsh/avmsh/vm/term"
)

// MaxBinaryBits bounds the size of a binary built or matched by the
// evaluator (larger segments raise system_limit).
const MaxBinaryBits = 1 << 30

// bitWriter accumulates bits MSB first (the shared writer of vm/syntax
// and the evaluator, with the evaluator's segment encoders as methods).
type bitWriter struct{ erltext.BitWriter }

// bitsOf returns the bytes and bit length of a bitstring term.
func bitsOf(t term.Term) ([]byte, int, bool) {
	switch b := t.(type) {
	case term.Binary:
		return b, len(b) * 8, true
	case term.Bitstring:
		return b.Data, b.BitSize(), true
	}
	return nil, 0, false
}

// subBits extracts nbits bits starting at bit off.
func subBits(data []byte, off, nbits int) term.Term {
	if off%8 == 0 {
		end := (off + nbits + 7) / 8
		return term.NewBitstring(append([]byte(nil), data[off/8:end]...), uint8(nbits%8))
	}
	var w bitWriter
	w.Grow(nbits)
	for i := 0; i < nbits; i++ {
		p := off + i
		w.WriteBit(data[p/8] & (0x80 >> uint(p%8)))
	}
	return w.Term()
}

// readUint reads nbits (<= 64) bits at off as an unsigned big-endian value.
func readUint(data []byte, off, nbits int) uint64 {
	var v uint64
	for i := 0; i < nbits; i++ {
		p := off + i
		v = v<<1 | uint64(data[p/8]>>(7-uint(p%8))&1)
	}
	return v
}

// encodeInt writes integer v as an nbits-bit segment.
func (w *bitWriter) encodeInt(v term.Term, nbits int, little bool) {
	if iv, ok := v.(term.Int); ok && nbits <= 64 {
		u := uint64(iv)
		if !little {
			w.WriteUint(u, nbits)
			return
		}
		for i := 0; i < nbits/8; i++ {
			w.WriteUint(u>>(8*uint(i))&0xFF, 8)
		}
		if r := nbits % 8; r > 0 {
			w.WriteUint(u>>(8*uint(nbits/8)), r)
		}
		return
	}
	// Two's complement of v modulo 2^nbits as big-endian bytes.
	b := new(big.Int).Set(bigOf(v))
	mod := new(big.Int).Lsh(big.NewInt(1), uint(nbits))
	b.Mod(b, mod)
	nbytes := (nbits + 7) / 8
	raw := b.FillBytes(make([]byte, nbytes))
	if !little {
		// Skip the leading pad bits of the first byte.
		pad := nbytes*8 - nbits
		var tmp bitWriter
		for i := pad; i < nbytes*8; i++ {
			tmp.WriteBit(raw[i/8] & (0x80 >> uint(i%8)))
		}
		w.WriteBits(tmp.Bytes(), nbits)
		return
	}
	// Little endian: whole bytes from the least significant, then the
	// remaining high bits.
	for i := 0; i < nbits/8; i++ {
		w.WriteUint(uint64(raw[nbytes-1-i]), 8)
	}
	if r := nbits % 8; r > 0 {
		w.WriteUint(uint64(raw[0]), r)
	}
}

// decodeInt reads an nbits-bit integer at off.
func decodeInt(data []byte, off, nbits int, little, signed bool) term.Term {
	if nbits == 0 {
		return term.Int(0)
	}
	if nbits <= 64 {
		var u uint64
		if !little {
			u = readUint(data, off, nbits)
		} else {
			for i := 0; i < nbits/8; i++ {
				u |= readUint(data, off+8*i, 8) << (8 * uint(i))
			}
			if r := nbits % 8; r > 0 {
				u |= readUint(data, off+8*(nbits/8), r) << (8 * uint(nbits/8))
			}
		}
		if signed && nbits < 64 && u&(1<<uint(nbits-1)) != 0 {
			return term.Int(int64(u) - int64(1)<<uint(nbits))
		}
		if signed && nbits == 64 {
			return term.Int(int64(u))
		}
		return term.Uint64(u)
	}
	// Big: gather big-endian bytes.
	nbytes := (nbits + 7) / 8
	raw := make([]byte, nbytes)
	if !little {
		pad := nbytes*8 - nbits
		for i := 0; i < nbits; i++ {
			p := off + i
			if data[p/8]&(0x80>>uint(p%8)) != 0 {
				q := pad + i
				raw[q/8] |= 0x80 >> uint(q%8)
			}
		}
	} else {
		for i := 0; i < nbits/8; i++ {
			raw[nbytes-1-i] = byte(readUint(data, off+8*i, 8))
		}
		if r := nbits % 8; r > 0 {
			raw[0] = byte(readUint(data, off+8*(nbits/8), r))
		}
	}
	v := new(big.Int).SetBytes(raw)
	if signed && v.Bit(nbits-1) == 1 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(nbits)))
	}
	return term.BigInteger(v)
}

// float16 conversions (IEEE 754 binary16).
func float16Bits(f float64) (uint16, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	b := math.Float32bits(float32(f))
	if math.IsInf(float64(float32(f)), 0) {
		return 0, false
	}
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xFF) - 127 + 15
	mant := b & 0x7FFFFF
	switch {
	case exp >= 31:
		return 0, false
	case exp <= 0:
		if exp < -10 {
			return sign, true
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & ((1 << shift) - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r), true
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1FFF
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++
	}
	if r >= 0x7C00 {
		return 0, false
	}
	return sign | uint16(r), true
}

func float16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1F
	mant := float64(h & 0x3FF)
	switch exp {
	case 0:
		return sign * math.Ldexp(mant, -24)
	case 31:
		return math.NaN()
	}
	return sign * math.Ldexp(1+mant/1024, exp-15)
}

// encodeFloat writes f as an nbits (16, 32, 64) float; ok is false when
// f cannot be represented.
func (w *bitWriter) encodeFloat(f float64, nbits int, little bool) bool {
	var u uint64
	switch nbits {
	case 64:
		u = math.Float64bits(f)
	case 32:
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			return false
		}
		u = uint64(math.Float32bits(f32))
	case 16:
		h, ok := float16Bits(f)
		if !ok {
			return false
		}
		u = uint64(h)
	default:
		return false
	}
	if !little {
		w.WriteUint(u, nbits)
		return true
	}
	for i := 0; i < nbits/8; i++ {
		w.WriteUint(u>>(8*uint(i))&0xFF, 8)
	}
	return true
}

func decodeFloat(data []byte, off, nbits int, little bool) (float64, bool) {
	var u uint64
	if !little {
		u = readUint(data, off, nbits)
	} else {
		for i := 0; i < nbits/8; i++ {
			u |= readUint(data, off+8*i, 8) << (8 * uint(i))
		}
	}
	var f float64
	switch nbits {
	case 64:
		f = math.Float64frombits(u)
	case 32:
		f = float64(math.Float32frombits(uint32(u)))
	case 16:
		f = float16Value(uint16(u))
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func validCodePoint(v term.Term) (rune, bool) {
	i, ok := v.(term.Int)
	if !ok || i < 0 || i > 0x10FFFF || (i >= 0xD800 && i <= 0xDFFF) {
		return 0, false
	}
	return rune(i), true
}

func (w *bitWriter) encodeUTF(c rune, typ string, little bool) {
	switch typ {
	case "utf8":
		var buf [4]byte
		n := encodeRuneUTF8(buf[:], c)
		w.WriteBits(buf[:n], n*8)
	case "utf16":
		var units []uint16
		if c >= 0x10000 {
			c -= 0x10000
			units = []uint16{uint16(0xD800 + (c >> 10)), uint16(0xDC00 + (c & 0x3FF))}
		} else {
			units = []uint16{uint16(c)}
		}
		for _, u := range units {
			if little {
				w.WriteUint(uint64(u&0xFF), 8)
				w.WriteUint(uint64(u>>8), 8)
			} else {
				w.WriteUint(uint64(u), 16)
			}
		}
	case "utf32":
		w.encodeInt(term.Int(c), 32, little)
	}
}

func encodeRuneUTF8(p []byte, c rune) int {
	switch {
	case c < 0x80:
		p[0] = byte(c)
		return 1
	case c < 0x800:
		p[0] = 0xC0 | byte(c>>6)
		p[1] = 0x80 | byte(c)&0x3F
		return 2
	case c < 0x10000:
		p[0] = 0xE0 | byte(c>>12)
		p[1] = 0x80 | byte(c>>6)&0x3F
		p[2] = 0x80 | byte(c)&0x3F
		return 3
	}
	p[0] = 0xF0 | byte(c>>18)
	p[1] = 0x80 | byte(c>>12)&0x3F
	p[2] = 0x80 | byte(c>>6)&0x3F
	p[3] = 0x80 | byte(c)&0x3F
	return 4
}

// decodeUTF reads one character; n is the number of bits used.
func decodeUTF(data []byte, off, nbits int, typ string, little bool) (rune, int, bool) {
	rem := nbits - off
	switch typ {
	case "utf8":
		if rem < 8 {
			return 0, 0, false
		}
		b0 := byte(readUint(data, off, 8))
		var n int
		var c rune
		switch {
		case b0 < 0x80:
			return rune(b0), 8, true
		case b0&0xE0 == 0xC0:
			n, c = 2, rune(b0&0x1F)
		case b0&0xF0 == 0xE0:
			n, c = 3, rune(b0&0x0F)
		case b0&0xF8 == 0xF0:
			n, c = 4, rune(b0&0x07)
		default:
			return 0, 0, false
		}
		if rem < n*8 {
			return 0, 0, false
		}
		for i := 1; i < n; i++ {
			b := byte(readUint(data, off+8*i, 8))
			if b&0xC0 != 0x80 {
				return 0, 0, false
			}
			c = c<<6 | rune(b&0x3F)
		}
		min := [...]rune{0, 0, 0x80, 0x800, 0x10000}[n]
		if c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) {
			return 0, 0, false
		}
		return c, n * 8, true
	case "utf16":
		read := func(at int) uint16 {
			if little {
				return uint16(readUint(data, at, 8)) | uint16(readUint(data, at+8, 8))<<8
			}
			return uint16(readUint(data, at, 16))
		}
		if rem < 16 {
			return 0, 0, false
		}
		u := read(off)
		if u < 0xD800 || u > 0xDFFF {
			return rune(u), 16, true
		}
		if u > 0xDBFF || rem < 32 {
			return 0, 0, false
		}
		l := read(off + 16)
		if l < 0xDC00 || l > 0xDFFF {
			return 0, 0, false
		}
		return 0x10000 + (rune(u)-0xD800)<<10 + rune(l) - 0xDC00, 32, true
	case "utf32":
		if rem < 32 {
			return 0, 0, false
		}
		v := decodeInt(data, off, 32, little, false)
		c, ok := validCodePoint(v)
		return c, 32, ok
	}
	return 0, 0, false
}
