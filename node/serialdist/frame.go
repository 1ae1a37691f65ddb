package serialdist

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// Frame layout (§5.2): AA 55 | length (u16 or u32, big-endian) | payload |
// CRC-32 (IEEE, big-endian) over length + payload.
const (
	// Sync0 and Sync1 are the two bytes of the sync marker.
	Sync0, Sync1 = 0xAA, 0x55
	// MaxHandshakeFrame is the largest payload of a 16-bit frame.
	MaxHandshakeFrame = 8192
	// MaxDataFrame is the largest payload of a 32-bit frame (1 MiB).
	MaxDataFrame = 1 << 20
	// PreambleMarkers is how many bare markers an initiator sends before
	// its first handshake frame (AtomVM sends 16).
	PreambleMarkers = 16
)

// marker is the sync marker.
var marker = []byte{Sync0, Sync1}

// Width is the width of a frame's length field.
type Width uint8

// The two frame widths.
const (
	// Width16 frames carry handshake messages.
	Width16 Width = 16
	// Width32 frames carry data-phase packets (and ticks).
	Width32 Width = 32
)

// lenBytes is the size of the length field.
func (w Width) lenBytes() int {
	if w == Width32 {
		return 4
	}
	return 2
}

// Max is the largest payload a frame of this width may carry.
func (w Width) Max() int {
	if w == Width32 {
		return MaxDataFrame
	}
	return MaxHandshakeFrame
}

// Overhead is the number of bytes a frame adds to its payload.
func (w Width) Overhead() int { return 2 + w.lenBytes() + 4 }

// AppendFrame16 appends a 16-bit (handshake) frame carrying payload to dst.
// The caller checks len(payload) <= MaxHandshakeFrame.
func AppendFrame16(dst, payload []byte) []byte {
	return appendFrame(dst, Width16, payload)
}

// AppendFrame32 appends a 32-bit (data) frame carrying payload to dst; an
// empty payload is a tick. The caller checks len(payload) <= MaxDataFrame.
func AppendFrame32(dst, payload []byte) []byte {
	return appendFrame(dst, Width32, payload)
}

// AppendFrameParts appends one frame of width w whose payload is the
// concatenation of parts, without concatenating them first.
func AppendFrameParts(dst []byte, w Width, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	start := len(dst)
	dst = append(dst, Sync0, Sync1)
	if w == Width32 {
		dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	} else {
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	}
	for _, p := range parts {
		dst = append(dst, p...)
	}
	crc := crc32.ChecksumIEEE(dst[start+2:])
	return binary.BigEndian.AppendUint32(dst, crc)
}

func appendFrame(dst []byte, w Width, payload []byte) []byte {
	return AppendFrameParts(dst, w, payload)
}

// Tick is the data-phase keep-alive: a 32-bit frame with no payload.
var Tick = []byte{0xAA, 0x55, 0x00, 0x00, 0x00, 0x00, 0x21, 0x44, 0xDF, 0x1C}

// TokenKind classifies a run of received bytes.
type TokenKind uint8

// Token kinds returned by NextToken.
const (
	// TokNeedMore: nothing can be decided until more bytes arrive. Pending
	// bytes are either a trailing AA (maybe half a marker) or a frame
	// candidate: a marker and a plausible length whose frame is not
	// complete yet.
	TokNeedMore TokenKind = iota
	// TokText: bytes that cannot belong to any frame (console output,
	// garbage, stale data). They contain no sync marker.
	TokText
	// TokMarker: a sync marker that does not start a frame (its length is
	// above the width's maximum): a bare idle or preamble marker, or a
	// false sync. N is 2.
	TokMarker
	// TokFrame: a complete frame whose CRC matched. Payload aliases the
	// input.
	TokFrame
	// TokCRCError: a complete frame-shaped candidate whose CRC did not
	// match. N covers the whole candidate.
	TokCRCError
)

// String names the kind for logs and test failures.
func (k TokenKind) String() string {
	switch k {
	case TokNeedMore:
		return "need-more"
	case TokText:
		return "text"
	case TokMarker:
		return "marker"
	case TokFrame:
		return "frame"
	case TokCRCError:
		return "crc-error"
	}
	return "unknown"
}

// Token is one decision of the scanner about the start of a buffer.
type Token struct {
	Kind TokenKind
	// N is the number of bytes at the start of the buffer the token
	// covers (0 for TokNeedMore).
	N int
	// Payload is the frame payload for TokFrame (aliasing the buffer).
	Payload []byte
	// Length is the length field of a TokFrame, TokCRCError or of a
	// pending candidate (TokNeedMore with Candidate set).
	Length int
	// Candidate reports, for TokNeedMore, that the buffer starts with a
	// marker whose frame is still incomplete (as opposed to an empty
	// buffer or a lone trailing AA).
	Candidate bool
	// Bare reports, for TokMarker, that another marker follows at once
	// (AA 55 AA 55): the pattern of an idle AtomVM link manager or a
	// preamble, never of a frame.
	Bare bool
	// WantCRC and GotCRC are the CRCs of a TokCRCError.
	WantCRC, GotCRC uint32
}

// NextToken classifies the bytes at the start of buf for frames of width
// w, following the scanner of §5.3: text up to the first marker, a marker
// with an oversized length is a false sync, a marker with a plausible
// length is a frame once complete, checked by CRC. It never allocates
// and never reads past buf.
func NextToken(buf []byte, w Width) Token {
	if len(buf) == 0 {
		return Token{Kind: TokNeedMore}
	}
	i := bytes.Index(buf, marker)
	if i < 0 {
		// Keep a trailing AA: it may be the first half of a marker.
		if buf[len(buf)-1] == Sync0 {
			if len(buf) == 1 {
				return Token{Kind: TokNeedMore}
			}
			return Token{Kind: TokText, N: len(buf) - 1}
		}
		return Token{Kind: TokText, N: len(buf)}
	}
	if i > 0 {
		return Token{Kind: TokText, N: i}
	}
	lb := w.lenBytes()
	if len(buf) < 2+lb {
		if w == Width32 && len(buf) >= 4 && buf[2] != 0 {
			// The top byte of the length is already too big (the
			// maximum is 0x00100000): decide now rather than wait, so
			// that bare markers (AA 55 AA 55) are seen at once.
			return Token{Kind: TokMarker, N: 2, Bare: buf[2] == Sync0 && buf[3] == Sync1}
		}
		return Token{Kind: TokNeedMore, Candidate: true, Length: -1}
	}
	var length uint64
	if w == Width32 {
		length = uint64(binary.BigEndian.Uint32(buf[2:6]))
	} else {
		length = uint64(binary.BigEndian.Uint16(buf[2:4]))
	}
	if length > uint64(w.Max()) {
		return Token{Kind: TokMarker, N: 2, Bare: buf[2] == Sync0 && buf[3] == Sync1}
	}
	n := int(length)
	end := 2 + lb + n + 4
	if len(buf) < end {
		return Token{Kind: TokNeedMore, Candidate: true, Length: n}
	}
	want := binary.BigEndian.Uint32(buf[end-4 : end])
	got := crc32.ChecksumIEEE(buf[2 : 2+lb+n])
	if want != got {
		return Token{Kind: TokCRCError, N: end, Length: n, WantCRC: want, GotCRC: got}
	}
	return Token{Kind: TokFrame, N: end, Payload: buf[2+lb : 2+lb+n], Length: n}
}

// ScanResult is the outcome of ScanFrame.
type ScanResult uint8

// ScanFrame outcomes, named after AtomVM's scan_frame/2 results.
const (
	// ScanNeedMore: no complete frame; Rest is what to keep.
	ScanNeedMore ScanResult = iota
	// ScanOK: Payload is a CRC-checked frame; Rest follows it.
	ScanOK
	// ScanCRCError: a complete frame failed its CRC; Rest follows it.
	ScanCRCError
)

// ScanFrame finds the first frame of width w in buf exactly as AtomVM's
// serial_dist_controller:scan_frame/2 does: bytes before the frame
// (text, false syncs) are dropped, and with no complete frame the result
// keeps only what may still start one (a pending candidate, or a
// trailing AA). Payload and Rest alias buf.
func ScanFrame(buf []byte, w Width) (res ScanResult, payload, rest []byte) {
	for {
		t := NextToken(buf, w)
		switch t.Kind {
		case TokNeedMore:
			return ScanNeedMore, nil, buf
		case TokFrame:
			return ScanOK, t.Payload, buf[t.N:]
		case TokCRCError:
			return ScanCRCError, nil, buf[t.N:]
		default:
			buf = buf[t.N:]
		}
	}
}
