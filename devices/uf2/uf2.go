package uf2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Format constants (UF2 README, "File format").
const (
	Magic0   = 0x0A324655 // "UF2\n"
	Magic1   = 0x9E5D5157
	MagicEnd = 0x0AB16F30
	// FlagFamilyID: the fileSize field holds a family id.
	FlagFamilyID = 0x00002000
	// FlagNotMainFlash: the block is not to be written.
	FlagNotMainFlash = 0x00000001
	BlockSize        = 512
	// PayloadSize is the payload per block the RP2 boot ROMs accept.
	PayloadSize = 256
	maxPayload  = 476
)

// Family ids of the RP2 chips (uf2families.json).
const (
	FamilyRP2040      = 0xE48BFF56
	FamilyAbsolute    = 0xE48BFF57
	FamilyData        = 0xE48BFF58
	FamilyRP2350ArmS  = 0xE48BFF59
	FamilyRP2350RiscV = 0xE48BFF5A
	FamilyRP2350ArmNS = 0xE48BFF5B
)

// AppAddress is where AtomVM's RP2040/RP2350 builds read the
// application (MAIN_AVM in src/platforms/rp2/src/main.c).
const AppAddress = 0x10180000

// Chip names a target for Encode: "rp2040", "rp2350" (ARM secure, the
// Pico 2's default) or "universal" (both: rp2040 then data family).
type Chip string

// Chips.
const (
	RP2040    Chip = "rp2040"
	RP2350    Chip = "rp2350"
	Universal Chip = "universal"
)

// ParseChip accepts rp2040, rp2350 and universal (any case).
func ParseChip(s string) (Chip, error) {
	switch c := Chip(strings.ToLower(s)); c {
	case RP2040, RP2350, Universal:
		return c, nil
	}
	return "", fmt.Errorf("unknown chip %q: want rp2040, rp2350 or universal", s)
}

// Families are the UF2 family ids written for the chip, in order.
func (c Chip) Families() []uint32 {
	switch c {
	case RP2040:
		return []uint32{FamilyRP2040}
	case RP2350:
		return []uint32{FamilyRP2350ArmS}
	}
	return []uint32{FamilyRP2040, FamilyData}
}

// Encode makes a UF2 of data at addr for chip: one run of blocks per
// family of the chip, each numbered from 0.
func Encode(data []byte, addr uint32, chip Chip) []byte {
	var out []byte
	for _, f := range chip.Families() {
		out = append(out, EncodeFamily(data, addr, f)...)
	}
	return out
}

// EncodeFamily makes a UF2 of data at addr with one family id. Every
// block carries PayloadSize bytes (the last one padded with zeros).
func EncodeFamily(data []byte, addr uint32, family uint32) []byte {
	n := (len(data) + PayloadSize - 1) / PayloadSize
	if n == 0 {
		n = 1
	}
	out := make([]byte, n*BlockSize)
	for i := 0; i < n; i++ {
		b := out[i*BlockSize : (i+1)*BlockSize]
		le := binary.LittleEndian
		le.PutUint32(b[0:], Magic0)
		le.PutUint32(b[4:], Magic1)
		le.PutUint32(b[8:], FlagFamilyID)
		le.PutUint32(b[12:], addr+uint32(i*PayloadSize))
		le.PutUint32(b[16:], PayloadSize)
		le.PutUint32(b[20:], uint32(i))
		le.PutUint32(b[24:], uint32(n))
		le.PutUint32(b[28:], family)
		copy(b[32:32+PayloadSize], data[min(len(data), i*PayloadSize):min(len(data), (i+1)*PayloadSize)])
		le.PutUint32(b[BlockSize-4:], MagicEnd)
	}
	return out
}

// Block is one decoded UF2 block.
type Block struct {
	Flags, Addr, BlockNo, NumBlocks, Family uint32
	Data                                    []byte
}

// Decode reads a UF2 file, checking magics, payload sizes and block
// numbering (each run of blocks counts from 0 to its NumBlocks-1).
func Decode(b []byte) ([]Block, error) {
	if len(b) == 0 || len(b)%BlockSize != 0 {
		return nil, fmt.Errorf("not a UF2 file: %d bytes is not a multiple of %d", len(b), BlockSize)
	}
	le := binary.LittleEndian
	out := make([]Block, 0, len(b)/BlockSize)
	var want, total uint32
	for i := 0; i < len(b); i += BlockSize {
		p := b[i : i+BlockSize]
		if le.Uint32(p) != Magic0 || le.Uint32(p[4:]) != Magic1 || le.Uint32(p[BlockSize-4:]) != MagicEnd {
			return nil, fmt.Errorf("not a UF2 file: block %d has bad magic numbers", i/BlockSize)
		}
		size := le.Uint32(p[16:])
		if size > maxPayload {
			return nil, fmt.Errorf("UF2 block %d: payload of %d bytes (at most %d)", i/BlockSize, size, maxPayload)
		}
		blk := Block{Flags: le.Uint32(p[8:]), Addr: le.Uint32(p[12:]), BlockNo: le.Uint32(p[20:]), NumBlocks: le.Uint32(p[24:]), Family: le.Uint32(p[28:]), Data: p[32 : 32+size]}
		if blk.BlockNo == 0 {
			want, total = 0, blk.NumBlocks
		}
		if blk.BlockNo != want || blk.NumBlocks != total || blk.BlockNo >= blk.NumBlocks {
			return nil, fmt.Errorf("UF2 block %d: numbered %d of %d, expected %d of %d", i/BlockSize, blk.BlockNo, blk.NumBlocks, want, total)
		}
		want++
		out = append(out, blk)
	}
	if want != total {
		return nil, errors.New("UF2 file ends in the middle of a run of blocks")
	}
	return out, nil
}
