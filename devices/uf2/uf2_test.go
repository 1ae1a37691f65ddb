package uf2

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// uf2tool's own vector (shared/spec/flashing.md §3): "Hello" at
// 0x10180000, family rp2040.
func TestUF2ToolVector(t *testing.T) {
	got := Encode([]byte("Hello"), AppAddress, RP2040)
	sum := md5.Sum(got)
	if h := hex.EncodeToString(sum[:]); h != "fb5b22f05965148196fe2e49f65b2dfe" {
		t.Fatalf("MD5 %s, uf2tool writes fb5b22f05965148196fe2e49f65b2dfe", h)
	}
}

// check decodes a UF2 the way a boot ROM reads it and compares it with
// the image: magics, block count, family, addresses, payload.
func check(t *testing.T, u []byte, data []byte, addr uint32, families []uint32) {
	t.Helper()
	blocks, err := Decode(u)
	if err != nil {
		t.Fatal(err)
	}
	per := (len(data) + PayloadSize - 1) / PayloadSize
	if len(blocks) != per*len(families) {
		t.Fatalf("%d blocks, want %d", len(blocks), per*len(families))
	}
	for fi, fam := range families {
		var payload []byte
		for i := 0; i < per; i++ {
			b := blocks[fi*per+i]
			if b.Family != fam || b.Flags != FlagFamilyID || b.NumBlocks != uint32(per) || b.BlockNo != uint32(i) {
				t.Fatalf("block %d of family %x: %+v", i, fam, b)
			}
			if b.Addr != addr+uint32(i*PayloadSize) || len(b.Data) != PayloadSize {
				t.Fatalf("block %d: address 0x%X, %d bytes", i, b.Addr, len(b.Data))
			}
			payload = append(payload, b.Data...)
		}
		if !bytes.Equal(payload[:len(data)], data) || len(bytes.Trim(payload[len(data):], "\x00")) != 0 {
			t.Fatalf("family %x: the payload is not the image (zero padded)", fam)
		}
	}
}

func TestEncode(t *testing.T) {
	data := make([]byte, 10_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	check(t, Encode(data, AppAddress, RP2040), data, AppAddress, []uint32{FamilyRP2040})
	check(t, Encode(data, AppAddress, RP2350), data, AppAddress, []uint32{FamilyRP2350ArmS})
	check(t, Encode(data, AppAddress, Universal), data, AppAddress, []uint32{FamilyRP2040, FamilyData})
}

func TestDecodeRejects(t *testing.T) {
	good := Encode([]byte("Hello, world"), AppAddress, Universal)
	for name, b := range map[string][]byte{
		"empty":             nil,
		"truncated":         good[:700],
		"bad magic":         append([]byte("XXXX"), good[4:]...),
		"one run cut short": EncodeFamily(make([]byte, 600), AppAddress, FamilyRP2040)[:1024],
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
