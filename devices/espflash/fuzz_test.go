package espflash

import (
	"bytes"
	"testing"
)

// FuzzPartitionTable: any bytes read from a board's flash at 0x8000
// parse to a table or an error, never a panic; a parsed table has no
// overlapping entries and survives encoding again.
func FuzzPartitionTable(f *testing.F) {
	f.Add(EncodePartitionTable(AtomVMPartitions()))
	f.Add(bytes.Repeat([]byte{0xFF}, PartitionTableSize))
	f.Add([]byte{0xAA, 0x50, 1, 2})
	bad := EncodePartitionTable(AtomVMPartitions())
	bad[40] ^= 1 // MD5 no longer matches
	f.Add(bad)
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := ParsePartitionTable(b)
		if err != nil {
			return
		}
		if len(ps) == 0 {
			t.Fatal("a table without entries parsed")
		}
		again, err := ParsePartitionTable(EncodePartitionTable(ps))
		if err != nil || len(again) != len(ps) {
			t.Fatalf("re-encoded table: %v (%d of %d entries)", err, len(again), len(ps))
		}
	})
}

// FuzzSLIPResponses: the decoder and the response parser take any byte
// stream (in any split) without panicking, bound frame sizes, and
// decode what AppendSLIP encodes.
func FuzzSLIPResponses(f *testing.F) {
	f.Add([]byte("\xc0\x01\x08\x04\x00\x07\x07\x12\x20\x00\x00\x00\x00\xc0"), 3)
	f.Add(AppendSLIP(nil, []byte{1, 0x13, 18, 0, 0, 0, 0, 0, 0xC0, 0xDB, 1, 2}), 1)
	f.Add([]byte("ets Jun  8 2016\r\n\xc0\xdb\x00\xc0waiting for download\r\n"), 5)
	f.Add([]byte("\xc0\xc0\xc0\xdb\xdc\xdb\xdd\xc0OHAI\xc0"), 2)
	f.Fuzz(func(t *testing.T, b []byte, split int) {
		d := NewSLIPDecoder(1024)
		var frames [][]byte
		if split <= 0 || split > len(b) {
			split = len(b)
		}
		for i := 0; i < len(b); i += split {
			d.Feed(b[i:min(len(b), i+split)], func(f []byte) {
				if len(f) > 1024 {
					t.Fatalf("frame of %d bytes passed the bound", len(f))
				}
				frames = append(frames, append([]byte(nil), f...))
			}, func([]byte) {})
		}
		for _, f := range frames {
			if r, ok := parseResponse(f); ok && len(r.data) > len(f) {
				t.Fatal("response data longer than its frame")
			}
			var got []byte
			NewSLIPDecoder(1<<20).Feed(AppendSLIP(nil, f), func(g []byte) { got = append([]byte(nil), g...) }, nil)
			if !bytes.Equal(got, f) {
				t.Fatalf("round trip: %x != %x", got, f)
			}
		}
	})
}
