package serialdist

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The test vectors of atomvm-dist.md §5.2.
func TestFrameVectors(t *testing.T) {
	sendName := []byte{'N', 0, 0, 0, 0x0D, 0x03, 0x5F, 0x5F, 0xBC, 0, 0, 0x12, 0x34, 0, 0x0F}
	sendName = append(sendName, "py@serial.local"...)
	challenge := []byte{'N', 0, 0, 0, 0x0D, 0x03, 0x5F, 0x5F, 0xBC, 0xA0, 0x18, 0xD8, 0x2B, 0, 0, 0, 1, 0, 0x10}
	challenge = append(challenge, "avm@serial.local"...)
	cases := []struct {
		name    string
		w       Width
		payload []byte
		wire    string
	}{
		{"hello", Width16, []byte("hello"), "AA 55 00 05 68 65 6C 6C 6F 3D 93 1F 56"},
		{"sok", Width16, []byte("sok"), "AA 55 00 03 73 6F 6B BA 25 41 42"},
		{"empty handshake", Width16, nil, "AA 55 00 00 41 D9 12 FF"},
		{"tick", Width32, nil, "AA 55 00 00 00 00 21 44 DF 1C"},
		{"challenge", Width16, challenge, "AA 55 00 23 4E 00 00 00 0D 03 5F 5F BC A0 18 D8 2B 00 00 00 01 00 10 61 76 6D 40 73 65 72 69 61 6C 2E 6C 6F 63 61 6C 0F 0D C5 E7"},
		{"send_name", Width16, sendName, "AA 55 00 1E 4E 00 00 00 0D 03 5F 5F BC 00 00 12 34 00 0F 70 79 40 73 65 72 69 61 6C 2E 6C 6F 63 61 6C DF 49 FB 3B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.wire)
			var got []byte
			if tc.w == Width32 {
				got = AppendFrame32(nil, tc.payload)
			} else {
				got = AppendFrame16(nil, tc.payload)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encode:\n got %X\nwant %X", got, want)
			}
			res, p, rest := ScanFrame(want, tc.w)
			if res != ScanOK || !bytes.Equal(p, tc.payload) || len(rest) != 0 {
				t.Fatalf("scan: %v %X rest %X", res, p, rest)
			}
		})
	}
	if !bytes.Equal(Tick, AppendFrame32(nil, nil)) {
		t.Fatalf("Tick = %X", Tick)
	}
	// The start of a data frame AtomVM sent (SEND_SENDER): the length
	// field is 32 bits.
	start := unhex(t, "AA 55 00 00 00 D6 70 83 68 03 61 16 58 77 10 61 76 6D")
	if tok := NextToken(start, Width32); tok.Kind != TokNeedMore || !tok.Candidate || tok.Length != 0xD6 {
		t.Fatalf("data frame start: %+v", tok)
	}
}

func hsFrame(p string) []byte { return AppendFrame16(nil, []byte(p)) }

// The scan_frame cases of AtomVM's test_serial_dist.erl (§6.3).
func TestScanFrameAtomVMCases(t *testing.T) {
	type want struct {
		res     ScanResult
		payload string
		rest    []byte
	}
	badCRC := func() []byte {
		lp := []byte{0, 4, 't', 'e', 's', 't'}
		b := append([]byte{0xAA, 0x55}, lp...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(lp)^0xFFFFFFFF)
	}()
	over := func() []byte {
		lp := []byte{0x20, 0x01, 0}
		b := append([]byte{0xAA, 0x55}, lp...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(lp))
	}()
	data32 := func() []byte {
		lp := binary.BigEndian.AppendUint32(nil, 10)
		lp = append(lp, "data_phase"...)
		b := append([]byte{0xAA, 0x55}, lp...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(lp))
	}()
	cases := []struct {
		name string
		in   []byte
		w    Width
		want want
	}{
		{"valid at start", hsFrame("hello"), Width16, want{ScanOK, "hello", nil}},
		{"valid after garbage", append([]byte{1, 2, 3, 4}, hsFrame("data")...), Width16, want{ScanOK, "data", nil}},
		{"false sync large length", append([]byte{0xAA, 0x55, 0xFF, 0x00}, hsFrame("ok")...), Width16, want{ScanOK, "ok", nil}},
		{"crc error", badCRC, Width16, want{ScanCRCError, "", nil}},
		{"empty buffer", nil, Width16, want{ScanNeedMore, "", nil}},
		{"only sync markers", []byte{0xAA, 0x55, 0xAA, 0x55}, Width16, want{ScanNeedMore, "", []byte{0xAA, 0x55}}},
		{"trailing AA", []byte{0xAA}, Width16, want{ScanNeedMore, "", []byte{0xAA}}},
		{"partial length", []byte{0xAA, 0x55, 0x00}, Width16, want{ScanNeedMore, "", []byte{0xAA, 0x55, 0x00}}},
		{"partial payload", []byte{0xAA, 0x55, 0, 5, 'h', 'e', 'l'}, Width16, want{ScanNeedMore, "", []byte{0xAA, 0x55, 0, 5, 'h', 'e', 'l'}}},
		{"empty payload", hsFrame(""), Width16, want{ScanOK, "", nil}},
		{"32-bit mode", data32, Width32, want{ScanOK, "data_phase", nil}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, p, rest := ScanFrame(tc.in, tc.w)
			if res != tc.want.res || string(p) != tc.want.payload || !bytes.Equal(rest, tc.want.rest) {
				t.Fatalf("got %v %q rest %X; want %v %q rest %X", res, p, rest, tc.want.res, tc.want.payload, tc.want.rest)
			}
		})
	}
	t.Run("multiple frames", func(t *testing.T) {
		buf := append(hsFrame("first"), hsFrame("second")...)
		res, p, rest := ScanFrame(buf, Width16)
		if res != ScanOK || string(p) != "first" {
			t.Fatalf("first: %v %q", res, p)
		}
		res, p, rest = ScanFrame(rest, Width16)
		if res != ScanOK || string(p) != "second" || len(rest) != 0 {
			t.Fatalf("second: %v %q %X", res, p, rest)
		}
	})
	t.Run("length 8193 is a false sync", func(t *testing.T) {
		res, p, _ := ScanFrame(over, Width16)
		if res != ScanNeedMore || p != nil {
			t.Fatalf("got %v %q", res, p)
		}
		if tok := NextToken(over, Width16); tok.Kind != TokMarker || tok.N != 2 {
			t.Fatalf("token %+v", tok)
		}
	})
	t.Run("length 8192 is accepted", func(t *testing.T) {
		payload := bytes.Repeat([]byte{'x'}, MaxHandshakeFrame)
		res, p, _ := ScanFrame(AppendFrame16(nil, payload), Width16)
		if res != ScanOK || len(p) != MaxHandshakeFrame {
			t.Fatalf("got %v len %d", res, len(p))
		}
	})
	t.Run("1 MiB data frame accepted, 1 MiB + 1 is a false sync", func(t *testing.T) {
		payload := make([]byte, MaxDataFrame)
		if res, p, _ := ScanFrame(AppendFrame32(nil, payload), Width32); res != ScanOK || len(p) != MaxDataFrame {
			t.Fatalf("got %v len %d", res, len(p))
		}
		hdr := binary.BigEndian.AppendUint32([]byte{0xAA, 0x55}, MaxDataFrame+1)
		if tok := NextToken(hdr, Width32); tok.Kind != TokMarker {
			t.Fatalf("token %+v", tok)
		}
	})
}

func TestNextTokenClassification(t *testing.T) {
	frame := hsFrame("hi")
	in := append([]byte("boot log\r\n"), 0xAA, 0x55, 0xAA, 0x55)
	in = append(in, frame...)
	in = append(in, "more\xAA"...)
	var kinds []TokenKind
	var text []byte
	for {
		tok := NextToken(in, Width16)
		if tok.Kind == TokNeedMore {
			break
		}
		kinds = append(kinds, tok.Kind)
		switch tok.Kind {
		case TokText:
			text = append(text, in[:tok.N]...)
		case TokMarker:
			if !tok.Bare {
				t.Errorf("marker followed by a marker not reported bare")
			}
		case TokFrame:
			if string(tok.Payload) != "hi" {
				t.Errorf("payload %q", tok.Payload)
			}
		}
		in = in[tok.N:]
	}
	want := []TokenKind{TokText, TokMarker, TokMarker, TokFrame, TokText}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
	if string(text) != "boot log\r\nmore" || !bytes.Equal(in, []byte{0xAA}) {
		t.Fatalf("text %q, left %X", text, in)
	}
}

func TestClassifyStaleDataFrames(t *testing.T) {
	// A tick and a data frame scanned in a 16-bit phase: stale frames,
	// not CRC errors and not console text.
	for _, f := range [][]byte{Tick, AppendFrame32(nil, []byte{0x70, 0x83, 0x68, 0}), AppendFrame32(nil, make([]byte, 70000))} {
		c := classify(f, Width16)
		if c.Kind != TokFrame || !c.stale || c.N != len(f) {
			t.Fatalf("%X...: %+v", f[:min(len(f), 12)], c.Token)
		}
	}
	// The teardown frame: a CRC error of a 32-bit zero-length frame in
	// both widths.
	if c := classify(teardownFrame, Width16); c.Kind != TokCRCError || !c.data32 || c.Length != 0 || c.N != 10 {
		t.Fatalf("teardown in 16-bit phase: %+v", c)
	}
	if c := classify(teardownFrame, Width32); c.Kind != TokCRCError || c.Length != 0 {
		t.Fatalf("teardown in data phase: %+v", c)
	}
	// An idle marker followed by an ANSI colour sequence: a plausible
	// 16-bit candidate (0x1B5B = 7003 bytes) that waits for more bytes.
	ansi := append([]byte{0xAA, 0x55}, "\x1b[0;32mI (31) boot: ESP-IDF\x1b[0m\r\n"...)
	if c := classify(ansi, Width16); c.Kind != TokNeedMore || !c.Candidate {
		t.Fatalf("ansi: %+v", c)
	}
}

func BenchmarkAppendFrame32(b *testing.B) {
	payload := make([]byte, 4096)
	buf := make([]byte, 0, 8192)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		buf = AppendFrame32(buf[:0], payload)
	}
}

func BenchmarkScanFrames(b *testing.B) {
	for _, size := range []int{64, 4096, 65536} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			var stream []byte
			for range 16 {
				stream = append(stream, "console line\r\n"...)
				stream = AppendFrame32(stream, make([]byte, size))
			}
			b.SetBytes(int64(len(stream)))
			for b.Loop() {
				in := stream
				for {
					tok := NextToken(in, Width32)
					if tok.Kind == TokNeedMore {
						break
					}
					in = in[tok.N:]
				}
			}
		})
	}
}

// sendName builds a send_name message (§1.3) for name.
func sendName(name string) []byte {
	b := []byte{'N', 0, 0, 0, 0x0D, 0x03, 0x5F, 0x5F, 0xBC, 0, 0, 0, 1, 0, byte(len(name))}
	return append(b, name...)
}

// TestPreamble: the preamble is PreambleMarkers sync markers.
func TestPreamble(t *testing.T) {
	if len(preamble) != 2*PreambleMarkers {
		t.Fatalf("preamble has %d bytes, want %d", len(preamble), 2*PreambleMarkers)
	}
	for i := 0; i < len(preamble); i += 2 {
		if preamble[i] != Sync0 || preamble[i+1] != Sync1 {
			t.Fatalf("preamble[%d:%d] = %x", i, i+2, preamble[i:i+2])
		}
	}
}
