package serialdist

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzScan checks the scanner on arbitrary input: it never panics or
// reads out of range, tokens tile the input, frames carry a matching CRC,
// ScanFrame agrees with NextToken, and classification does not depend on
// how the bytes were split into chunks.
func FuzzScan(f *testing.F) {
	f.Add([]byte{}, uint8(16), uint8(0))
	f.Add(AppendFrame16(nil, []byte("hello")), uint8(16), uint8(3))
	f.Add(append([]byte{0xAA, 0x55, 0xAA, 0x55}, AppendFrame16(nil, []byte("sok"))...), uint8(16), uint8(5))
	f.Add(append([]byte("I (31) boot\r\n\xAA\x55\x1b[0m"), Tick...), uint8(32), uint8(1))
	f.Add(append(AppendFrame32(nil, []byte{0x70, 0x83}), teardownFrame...), uint8(32), uint8(7))
	f.Add([]byte{0xAA, 0x55, 0x00, 0x05, 'h', 'e', 'l'}, uint8(16), uint8(2))
	f.Add([]byte{0xAA}, uint8(16), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, wb uint8, split uint8) {
		w := Width16
		if wb&32 != 0 {
			w = Width32
		}
		whole := tokens(in, w)
		// Tiling: the consumed prefix is the concatenation of tokens.
		var rebuilt []byte
		for _, tk := range whole {
			rebuilt = append(rebuilt, tk.bytes...)
			switch tk.kind {
			case TokFrame:
				lb := w.lenBytes()
				n := len(tk.bytes) - 2 - lb - 4
				if n < 0 || n > w.Max() {
					t.Fatalf("frame of %d bytes", n)
				}
				crc := binary.BigEndian.Uint32(tk.bytes[len(tk.bytes)-4:])
				if crc != crc32.ChecksumIEEE(tk.bytes[2:len(tk.bytes)-4]) {
					t.Fatalf("frame with bad CRC accepted")
				}
			case TokText:
				if bytes.Contains(tk.bytes, marker) {
					t.Fatalf("text contains a marker")
				}
			}
		}
		if !bytes.HasPrefix(in, rebuilt) {
			t.Fatalf("tokens do not tile the input")
		}
		// ScanFrame returns the first frame or CRC error of the stream.
		res, payload, _ := ScanFrame(in, w)
		var first *tok
		for i := range whole {
			if whole[i].kind == TokFrame || whole[i].kind == TokCRCError {
				first = &whole[i]
				break
			}
		}
		switch {
		case first == nil && res != ScanNeedMore,
			first != nil && first.kind == TokFrame && (res != ScanOK || !bytes.Equal(payload, first.payload)),
			first != nil && first.kind == TokCRCError && res != ScanCRCError:
			t.Fatalf("ScanFrame %v disagrees with tokens", res)
		}
		// Chunking: feeding the input in two parts yields the same frames.
		cut := 0
		if len(in) > 0 {
			cut = int(split) % (len(in) + 1)
		}
		var rx rxBuffer
		var frames [][]byte
		for _, part := range [][]byte{in[:cut], in[cut:]} {
			rx.feed(part)
			for {
				tk := NextToken(rx.bytes(), w)
				if tk.Kind == TokNeedMore {
					break
				}
				if tk.Kind == TokFrame {
					frames = append(frames, append([]byte(nil), tk.Payload...))
				}
				rx.consume(tk.N)
			}
		}
		var want [][]byte
		for _, tk := range whole {
			if tk.kind == TokFrame {
				want = append(want, tk.payload)
			}
		}
		if len(frames) != len(want) {
			t.Fatalf("chunked scan found %d frames, whole scan %d", len(frames), len(want))
		}
		for i := range want {
			if !bytes.Equal(frames[i], want[i]) {
				t.Fatalf("frame %d differs when chunked", i)
			}
		}
		// classify never panics and covers at most the input.
		if c := classify(in, w); c.N > len(in) {
			t.Fatalf("classify covers %d of %d bytes", c.N, len(in))
		}
	})
}

type tok struct {
	kind    TokenKind
	bytes   []byte
	payload []byte
}

func tokens(in []byte, w Width) []tok {
	var out []tok
	for {
		t := NextToken(in, w)
		if t.Kind == TokNeedMore {
			return out
		}
		if t.N <= 0 || t.N > len(in) {
			panic("bad token length")
		}
		out = append(out, tok{t.Kind, in[:t.N], t.Payload})
		in = in[t.N:]
	}
}
