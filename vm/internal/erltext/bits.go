package erltext

import "github.com/avmsh/avmsh/vm/term"

// BitWriter accumulates a bitstring, most significant bit first. The
// zero value is empty and ready.
type BitWriter struct {
	buf []byte
	n   int // bits written
}

// Len is the number of bits written.
func (w *BitWriter) Len() int { return w.n }

// Grow makes room for n more bits without reallocating.
func (w *BitWriter) Grow(nbits int) {
	if need := (w.n+nbits+7)/8 - len(w.buf); need > cap(w.buf)-len(w.buf) {
		nb := make([]byte, len(w.buf), len(w.buf)+need)
		copy(nb, w.buf)
		w.buf = nb
	}
}

// WriteBit appends one bit (b != 0 is 1).
func (w *BitWriter) WriteBit(b byte) {
	if w.n%8 == 0 {
		w.buf = append(w.buf, 0)
	}
	if b != 0 {
		w.buf[w.n/8] |= 0x80 >> uint(w.n%8)
	}
	w.n++
}

// WriteByte appends 8 bits.
func (w *BitWriter) WriteByte(b byte) error {
	if w.n%8 == 0 {
		w.buf = append(w.buf, b)
		w.n += 8
		return nil
	}
	w.WriteUint(uint64(b), 8)
	return nil
}

// WriteBits appends the first nbits bits of data.
func (w *BitWriter) WriteBits(data []byte, nbits int) {
	if w.n%8 == 0 {
		full := nbits / 8
		w.buf = append(w.buf, data[:full]...)
		w.n += full * 8
		for i := full * 8; i < nbits; i++ {
			w.WriteBit(data[i/8] & (0x80 >> uint(i%8)))
		}
		return
	}
	for i := 0; i < nbits; i++ {
		w.WriteBit(data[i/8] & (0x80 >> uint(i%8)))
	}
}

// WriteUint appends the low nbits bits of v, most significant first
// (nbits <= 64).
func (w *BitWriter) WriteUint(v uint64, nbits int) {
	if w.n%8 == 0 && nbits%8 == 0 {
		for i := nbits - 8; i >= 0; i -= 8 {
			w.buf = append(w.buf, byte(v>>uint(i)))
		}
		w.n += nbits
		return
	}
	for i := nbits - 1; i >= 0; i-- {
		w.WriteBit(byte(v >> uint(i) & 1))
	}
}

// Bytes returns the bytes written so far (the last one padded with
// zero bits); it aliases the writer's buffer.
func (w *BitWriter) Bytes() []byte { return w.buf }

// Term is the bitstring written: a Binary when it is a whole number of
// bytes.
func (w *BitWriter) Term() term.Term { return term.NewBitstring(w.buf, uint8(w.n%8)) }
