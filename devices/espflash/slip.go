package espflash

// SLIP framing of the ESP serial protocol (esptool docs,
// serial-protocol.rst "Low Level Protocol"): every packet starts and ends
// with 0xC0; inside, 0xC0 is sent as DB DC and 0xDB as DB DD.
const (
	slipEnd    = 0xC0
	slipEsc    = 0xDB
	slipEscEnd = 0xDC
	slipEscEsc = 0xDD
)

// AppendSLIP appends pkt as one SLIP frame to dst.
func AppendSLIP(dst, pkt []byte) []byte {
	dst = append(dst, slipEnd)
	for _, c := range pkt {
		switch c {
		case slipEnd:
			dst = append(dst, slipEsc, slipEscEnd)
		case slipEsc:
			dst = append(dst, slipEsc, slipEscEsc)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, slipEnd)
}

// SLIPDecoder splits a byte stream into SLIP frames. Bytes outside frames
// (a ROM's boot messages, an application's console) are handed to Text.
// A frame longer than Max, or with an invalid escape, is dropped and
// counted in Bad. The zero value is not usable: use NewSLIPDecoder.
type SLIPDecoder struct {
	// Max bounds a frame's decoded length.
	Max int
	// Bad counts dropped frames (too long or a bad escape).
	Bad int

	in, esc, bad bool
	buf          []byte
}

// NewSLIPDecoder returns a decoder for frames of at most max bytes.
func NewSLIPDecoder(max int) *SLIPDecoder { return &SLIPDecoder{Max: max} }

// Feed decodes b, calling frame for every complete frame (the slice is
// only valid during the call) and text for bytes outside frames.
func (d *SLIPDecoder) Feed(b []byte, frame func([]byte), text func([]byte)) {
	start := -1 // start of a run of text in b
	flush := func(end int) {
		if start >= 0 && text != nil && end > start {
			text(b[start:end])
		}
		start = -1
	}
	for i, c := range b {
		if !d.in {
			if c == slipEnd {
				flush(i)
				d.in, d.esc, d.bad, d.buf = true, false, false, d.buf[:0]
			} else if start < 0 {
				start = i
			}
			continue
		}
		switch {
		case c == slipEnd:
			if len(d.buf) == 0 && !d.bad {
				continue // C0 C0: the end of one frame and the start of the next
			}
			if d.bad || d.esc {
				d.Bad++
			} else {
				frame(d.buf)
			}
			d.in = false
		case d.bad:
		case d.esc:
			d.esc = false
			switch c {
			case slipEscEnd:
				d.add(slipEnd)
			case slipEscEsc:
				d.add(slipEsc)
			default:
				d.bad = true
			}
		case c == slipEsc:
			d.esc = true
		default:
			d.add(c)
		}
	}
	flush(len(b))
}

func (d *SLIPDecoder) add(c byte) {
	if len(d.buf) >= d.Max {
		d.bad = true
		return
	}
	d.buf = append(d.buf, c)
}
