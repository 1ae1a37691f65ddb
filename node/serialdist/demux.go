package serialdist

// rxBuffer holds received bytes that the port has not classified yet. It
// is the demultiplexer's memory: bytes are appended as they arrive and
// consumed from the front as NextToken classifies them.
type rxBuffer struct {
	buf []byte
	off int
}

// feed appends received bytes.
func (r *rxBuffer) feed(p []byte) {
	if r.off > 0 && r.off == len(r.buf) {
		r.buf = r.buf[:0]
		r.off = 0
	}
	r.buf = append(r.buf, p...)
}

// bytes returns the unclassified bytes (aliasing the buffer).
func (r *rxBuffer) bytes() []byte { return r.buf[r.off:] }

// len is the number of unclassified bytes.
func (r *rxBuffer) len() int { return len(r.buf) - r.off }

// consume drops n bytes from the front.
func (r *rxBuffer) consume(n int) {
	r.off += n
	switch {
	case r.off == len(r.buf):
		r.buf = r.buf[:0]
		r.off = 0
		if cap(r.buf) > 4<<20 {
			r.buf = nil // do not keep a buffer grown by one huge frame
		}
	case r.off > 64<<10 && r.off > len(r.buf)/2:
		n := copy(r.buf, r.buf[r.off:])
		r.buf = r.buf[:n]
		r.off = 0
	}
}

// reset drops everything.
func (r *rxBuffer) reset() {
	r.buf = r.buf[:0]
	r.off = 0
}

// classify decides what the bytes at the start of buf are, given the
// link's current width and whether the link is in the data phase. It
// refines NextToken for a port that carries console text and
// distribution at once:
//
//   - In the 16-bit phases (idle, handshake), a candidate that fails its
//     CRC is checked as a 32-bit frame too. A complete 32-bit frame is a
//     stale data frame (the peer still believes a connection is up) and
//     is reported as TokFrame with stale set; a 32-bit frame that fails
//     its CRC is a teardown frame or a garbled data frame (TokCRCError
//     with data32 set); an incomplete one waits for more bytes.
//   - Otherwise a 16-bit CRC error is reported as is; the caller decides
//     whether the marker was a false sync inside console text.
type classified struct {
	Token
	// stale: a TokFrame that is a 32-bit frame seen in a 16-bit phase.
	stale bool
	// data32: a TokCRCError that is a complete 32-bit frame-shaped
	// candidate (a teardown frame when Length is 0).
	data32 bool
}

func classify(buf []byte, w Width) classified {
	t := NextToken(buf, w)
	if w != Width16 || (t.Kind != TokCRCError && !(t.Kind == TokNeedMore && t.Candidate)) {
		return classified{Token: t}
	}
	t32 := NextToken(buf, Width32)
	switch t32.Kind {
	case TokFrame:
		if t.Kind == TokNeedMore {
			// A 16-bit reading still waits for bytes, but the 32-bit
			// reading is complete and valid: prefer it.
			return classified{Token: t32, stale: true}
		}
		return classified{Token: t32, stale: true}
	case TokCRCError:
		if t.Kind == TokNeedMore {
			return classified{Token: t}
		}
		return classified{Token: t32, data32: true}
	case TokNeedMore:
		if t32.Candidate && t32.Length >= 0 && t.Kind == TokCRCError {
			// Plausible as a data frame that is still arriving.
			return classified{Token: t32}
		}
	}
	return classified{Token: t}
}

// teardownFrame is what a side sends to make the other drop the link at
// once: a zero-length 32-bit frame with a wrong CRC. A data-phase scanner
// (AtomVM's controller, ours) reads it as a CRC error and tears down; a
// handshake-phase scanner reads a CRC error too and aborts; an idle
// AtomVM link manager drops it. It is never a valid frame of either
// width: the real CRC of a zero-length 32-bit frame is 0x2144DF1C.
var teardownFrame = []byte{0xAA, 0x55, 0x00, 0x00, 0x00, 0x00, 0xDE, 0xBB, 0x20, 0xE3}
