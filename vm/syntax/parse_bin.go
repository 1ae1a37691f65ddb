package syntax

import (
	"encoding/binary"
	"github.com/avmsh/avmsh/vm/internal/erltext"
	"math"
	"math/big"
	"strconv"
	"unicode/utf16"

	"github.com/avmsh/avmsh/vm/term"
)

// bitWriter accumulates a bitstring (erltext's writer, shared with the
// evaluator).
type bitWriter = erltext.BitWriter

// segment is one parsed binary segment.
type segment struct {
	start          int
	value          term.Term
	size           int // -1 when absent
	typ            string
	unit           int // 0 when absent
	little, signed bool
}

func (p *parser) parseBinary(depth int) (term.Term, error) {
	if depth > p.o.MaxDepth {
		return nil, p.errf(p.pos, "nesting deeper than %d levels", p.o.MaxDepth)
	}
	open := p.pos
	p.pos += 2 // "<<"
	p.skipSpace()
	var w bitWriter
	if p.hasPrefix(">>") {
		p.pos += 2
		return term.Binary{}, nil
	}
	for {
		seg, err := p.parseSegment(depth)
		if err != nil {
			return nil, err
		}
		if err := p.emitSegment(&w, seg); err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peek() == ',' {
			p.pos++
			continue
		}
		if p.hasPrefix(">>") {
			p.pos += 2
			return w.Term(), nil
		}
		return nil, p.errf(p.pos, "unexpected %s in the binary opened at %s; expected ',' or '>>'", p.describe(), p.at(open))
	}
}

func (p *parser) parseSegment(depth int) (segment, error) {
	p.skipSpace()
	seg := segment{start: p.pos, size: -1}
	var err error
	switch c := p.peek(); {
	case c == '"':
		seg.value, err = p.parseStrings()
	case c == '<' && p.hasPrefix("<<"):
		seg.value, err = p.parseBinary(depth + 1)
	case isDigit(c), c == '-', c == '+', c == '$':
		seg.value, err = p.parseTerm(depth + 1)
	default:
		return seg, p.errf(p.pos, "unexpected %s; a binary segment is an integer, a float, a character, a string or a binary", p.describe())
	}
	if err != nil {
		return seg, err
	}
	p.skipSpace()
	if p.peek() == ':' {
		p.pos++
		p.skipSpace()
		n, err := p.scanSmallInt("a segment size")
		if err != nil {
			return seg, err
		}
		seg.size = n
		p.skipSpace()
	}
	if p.peek() == '/' {
		p.pos++
		for {
			p.skipSpace()
			ts := p.pos
			name := p.scanName()
			switch name {
			case "integer", "float", "binary", "bytes", "bitstring", "bits", "utf8", "utf16", "utf32":
				seg.typ = name
			case "signed":
				seg.signed = true
			case "unsigned":
				seg.signed = false
			case "big":
				seg.little = false
			case "little", "native":
				seg.little = true
			case "unit":
				if p.peek() != ':' {
					return seg, p.errf(p.pos, "expected ':' after unit")
				}
				p.pos++
				n, err := p.scanSmallInt("a unit")
				if err != nil {
					return seg, err
				}
				if n < 1 || n > 256 {
					return seg, p.errf(ts, "unit %d is out of range 1..256", n)
				}
				seg.unit = n
			default:
				return seg, p.errf(ts, "unknown binary type specifier %q; expected integer, float, binary, bits, utf8, utf16, utf32, signed, unsigned, big, little, native or unit:N", name)
			}
			if p.peek() != '-' {
				break
			}
			p.pos++
		}
	}
	return seg, nil
}

// scanSmallInt reads a non-negative decimal integer that fits an int.
func (p *parser) scanSmallInt(what string) (int, error) {
	start := p.pos
	digits := p.scanDigits(10)
	if digits == "" {
		return 0, p.errf(p.pos, "unexpected %s; expected %s (a non-negative integer)", p.describe(), what)
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n > 1<<40 {
		return 0, p.errf(start, "%s %s is too large", what, digits)
	}
	return n, nil
}

func (p *parser) checkRoom(w *bitWriter, bits int, at int) error {
	if bits < 0 || w.Len()+bits > p.o.MaxBinary*8 {
		return p.errf(at, "binary larger than the limit of %d bytes", p.o.MaxBinary)
	}
	return nil
}

func (p *parser) emitSegment(w *bitWriter, s segment) error {
	typ := s.typ
	if typ == "" {
		switch s.value.(type) {
		case term.Float:
			typ = "float"
		case term.Binary, term.Bitstring:
			return p.errf(s.start, "a binary inside a binary needs a type: add /binary or /bits")
		default:
			typ = "integer"
		}
	}
	// A string is a sequence of segments, one per character.
	if l, ok := s.value.(term.List); ok {
		for _, c := range l {
			one := s
			one.value = c
			one.typ = typ
			if err := p.emitSegment(w, one); err != nil {
				return err
			}
		}
		return nil
	}
	switch typ {
	case "integer":
		return p.emitInteger(w, s)
	case "float":
		return p.emitFloat(w, s)
	case "binary", "bytes", "bitstring", "bits":
		return p.emitBinary(w, s, typ)
	default:
		return p.emitUTF(w, s, typ)
	}
}

func (p *parser) emitInteger(w *bitWriter, s segment) error {
	v, ok := term.ToBig(s.value)
	if !ok {
		return p.errf(s.start, "an integer segment needs an integer value")
	}
	size, unit := s.size, s.unit
	if size < 0 {
		size = 8
	}
	if unit == 0 {
		unit = 1
	}
	n := size * unit
	if err := p.checkRoom(w, n, s.start); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if s.little && n%8 != 0 {
		return p.errf(s.start, "little-endian integer segments must be a whole number of bytes (got %d bits)", n)
	}
	nbytes := (n + 7) / 8
	mod := new(big.Int).Lsh(big.NewInt(1), uint(n))
	v.Mod(v, mod) // two's complement of negative values
	buf := v.FillBytes(make([]byte, nbytes))
	if s.little {
		for i, j := 0, len(buf)-1; i < j; i, j = i+1, j-1 {
			buf[i], buf[j] = buf[j], buf[i]
		}
	}
	// The value sits in the low n bits of buf; skip the leading pad.
	pad := nbytes*8 - n
	if pad == 0 {
		w.WriteBits(buf, n)
		return nil
	}
	for i := pad; i < nbytes*8; i++ {
		w.WriteBit(buf[i/8] & (0x80 >> (i % 8)))
	}
	return nil
}

func (p *parser) emitFloat(w *bitWriter, s segment) error {
	var f float64
	switch v := s.value.(type) {
	case term.Float:
		f = float64(v)
	case term.Int:
		f = float64(v)
	case term.BigInt:
		f, _ = new(big.Float).SetInt(v.V).Float64()
	default:
		return p.errf(s.start, "a float segment needs a number")
	}
	size, unit := s.size, s.unit
	if size < 0 {
		size = 64
	}
	if unit == 0 {
		unit = 1
	}
	var buf []byte
	switch size * unit {
	case 64:
		buf = binary.BigEndian.AppendUint64(nil, math.Float64bits(f))
	case 32:
		if math.IsInf(float64(float32(f)), 0) {
			return p.errf(s.start, "%v does not fit a 32-bit float", f)
		}
		buf = binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(f)))
	default:
		return p.errf(s.start, "float segments are 32 or 64 bits (got %d)", size*unit)
	}
	if s.little {
		for i, j := 0, len(buf)-1; i < j; i, j = i+1, j-1 {
			buf[i], buf[j] = buf[j], buf[i]
		}
	}
	if err := p.checkRoom(w, len(buf)*8, s.start); err != nil {
		return err
	}
	w.WriteBits(buf, len(buf)*8)
	return nil
}

func (p *parser) emitBinary(w *bitWriter, s segment, typ string) error {
	var data []byte
	var bits int
	switch v := s.value.(type) {
	case term.Binary:
		data, bits = v, len(v)*8
	case term.Bitstring:
		data, bits = v.Data, v.BitSize()
	default:
		return p.errf(s.start, "a /%s segment needs a binary value", typ)
	}
	n := bits
	if s.size >= 0 {
		unit := s.unit
		if unit == 0 {
			unit = 8
			if typ == "bitstring" || typ == "bits" {
				unit = 1
			}
		}
		n = s.size * unit
		if n > bits {
			return p.errf(s.start, "segment size %d bits is larger than the %d-bit value", n, bits)
		}
	} else if (typ == "binary" || typ == "bytes") && bits%8 != 0 {
		return p.errf(s.start, "a /%s segment needs a whole number of bytes (the value has %d bits); use /bits", typ, bits)
	}
	if err := p.checkRoom(w, n, s.start); err != nil {
		return err
	}
	w.WriteBits(data, n)
	return nil
}

func (p *parser) emitUTF(w *bitWriter, s segment, typ string) error {
	if s.size >= 0 || s.unit != 0 {
		return p.errf(s.start, "a /%s segment takes no size or unit", typ)
	}
	c, ok := s.value.(term.Int)
	if !ok || !validCodePointInt(int64(c)) && !(c >= 0xFFFE && c <= 0xFFFF) {
		return p.errf(s.start, "a /%s segment needs a character code", typ)
	}
	r := rune(c)
	var buf []byte
	switch typ {
	case "utf8":
		buf = []byte(string(r))
	case "utf16":
		if r1, r2 := utf16.EncodeRune(r); r1 != 0xFFFD || r2 != 0xFFFD {
			buf = binary.BigEndian.AppendUint16(buf, uint16(r1))
			buf = binary.BigEndian.AppendUint16(buf, uint16(r2))
		} else {
			buf = binary.BigEndian.AppendUint16(buf, uint16(r))
		}
		if s.little {
			for i := 0; i+1 < len(buf); i += 2 {
				buf[i], buf[i+1] = buf[i+1], buf[i]
			}
		}
	default:
		buf = binary.BigEndian.AppendUint32(nil, uint32(r))
		if s.little {
			buf[0], buf[1], buf[2], buf[3] = buf[3], buf[2], buf[1], buf[0]
		}
	}
	if err := p.checkRoom(w, len(buf)*8, s.start); err != nil {
		return err
	}
	w.WriteBits(buf, len(buf)*8)
	return nil
}

// validCodePointInt reports whether v is a character Erlang text may
// hold (erltext.ValidChar for a 64-bit value).
func validCodePointInt(v int64) bool { return v >= 0 && v <= 0x10FFFF && erltext.ValidChar(rune(v)) }
