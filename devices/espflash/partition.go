package espflash

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Partition table layout (ESP-IDF, "Partition Tables": gen_esp32part.py):
// at PartitionTableOffset, up to 0xC00 bytes of 32-byte entries
// <2sBBLL16sL: magic AA 50, type, subtype, offset, size, label, flags.
// An entry starting EB EB carries the MD5 of the entries before it; an
// all-0xFF entry ends the table.
const (
	PartitionTableOffset = 0x8000
	PartitionTableSize   = 0xC00
	partitionEntrySize   = 32
)

// AppPartition is the label of AtomVM's application partition.
const AppPartition = "main.avm"

// Partition is one entry of an ESP partition table.
type Partition struct {
	Label   string `json:"label"`
	Type    uint8  `json:"type"`
	Subtype uint8  `json:"subtype"`
	Offset  uint32 `json:"offset"`
	Size    uint32 `json:"size"`
	Flags   uint32 `json:"flags,omitempty"`
}

// Partition types and subtypes avmsh cares about.
const (
	TypeApp     = 0x00
	TypeData    = 0x01
	SubtypeNVS  = 0x02
	SubtypePHY  = 0x01
	SubtypeOTA  = 0x00
	SubtypeCore = 0x03
)

// TypeName is the partition's type as ESP-IDF partition CSVs write it:
// "app", "data", or the number in hex.
func (p Partition) TypeName() string {
	switch p.Type {
	case TypeApp:
		return "app"
	case TypeData:
		return "data"
	}
	return fmt.Sprintf("0x%02x", p.Type)
}

// SubtypeName is the partition's subtype as ESP-IDF partition CSVs write
// it (ESP-IDF "Partition Tables", Subtype): "factory", "ota_0", "nvs",
// "phy" (AtomVM's .avm partitions), ..., or the number in hex.
func (p Partition) SubtypeName() string {
	switch {
	case p.Type == TypeApp && p.Subtype == 0x00:
		return "factory"
	case p.Type == TypeApp && p.Subtype >= 0x10 && p.Subtype <= 0x1F:
		return fmt.Sprintf("ota_%d", p.Subtype-0x10)
	case p.Type == TypeApp && p.Subtype == 0x20:
		return "test"
	case p.Type == TypeData && p.Subtype <= 0x06:
		return [...]string{"ota", "phy", "nvs", "coredump", "nvs_keys", "efuse", "undefined"}[p.Subtype]
	case p.Type == TypeData && p.Subtype >= 0x80 && p.Subtype <= 0x83:
		return [...]string{"esphttpd", "fat", "spiffs", "littlefs"}[p.Subtype-0x80]
	}
	return fmt.Sprintf("0x%02x", p.Subtype)
}

// End is the first byte after the partition.
func (p Partition) End() uint32 { return p.Offset + p.Size }

// String describes the partition: "main.avm (data) at 0x250000, 1 MiB".
func (p Partition) String() string {
	kind := map[uint8]string{TypeApp: "app", TypeData: "data"}[p.Type]
	if kind == "" {
		kind = fmt.Sprintf("type 0x%02X", p.Type)
	}
	return fmt.Sprintf("%s (%s) at 0x%X, %s", p.Label, kind, p.Offset, sizeText(int64(p.Size)))
}

// ErrNoTable: the bytes hold no partition table at all (erased flash).
var ErrNoTable = errors.New("no partition table (the flash there is erased or holds something else)")

// ParsePartitionTable decodes a partition table. It fails on a table
// whose MD5 entry does not match, on entries that overlap or run past
// 4 GiB, and when the first entry is not one (ErrNoTable).
func ParsePartitionTable(b []byte) ([]Partition, error) {
	if len(b) > PartitionTableSize {
		b = b[:PartitionTableSize]
	}
	var out []Partition
	for off := 0; off+partitionEntrySize <= len(b); off += partitionEntrySize {
		e := b[off : off+partitionEntrySize]
		switch {
		case e[0] == 0xAA && e[1] == 0x50:
			p := Partition{
				Type: e[2], Subtype: e[3],
				Offset: binary.LittleEndian.Uint32(e[4:]),
				Size:   binary.LittleEndian.Uint32(e[8:]),
				Label:  strings.TrimRight(string(bytes.TrimRight(e[12:28], "\x00")), "\xff"),
				Flags:  binary.LittleEndian.Uint32(e[28:]),
			}
			if uint64(p.Offset)+uint64(p.Size) > 1<<32 {
				return nil, fmt.Errorf("partition table entry %d (%q) runs past 4 GiB", len(out), p.Label)
			}
			out = append(out, p)
		case e[0] == 0xEB && e[1] == 0xEB:
			if sum := md5.Sum(b[:off]); !bytes.Equal(sum[:], e[16:32]) {
				return nil, errors.New("the partition table's MD5 does not match its entries (corrupted table)")
			}
		case bytes.Equal(e, bytes.Repeat([]byte{0xFF}, partitionEntrySize)):
			return checkTable(out)
		default:
			if len(out) == 0 {
				return nil, ErrNoTable
			}
			return nil, fmt.Errorf("partition table entry %d is neither an entry nor the end", len(out))
		}
	}
	return checkTable(out)
}

func checkTable(ps []Partition) ([]Partition, error) {
	if len(ps) == 0 {
		return nil, ErrNoTable
	}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			a, b := ps[i], ps[j]
			if a.Size > 0 && b.Size > 0 && a.Offset < b.End() && b.Offset < a.End() {
				return nil, fmt.Errorf("partitions %q and %q overlap", a.Label, b.Label)
			}
		}
	}
	return ps, nil
}

// FindPartition returns the partition labelled label.
func FindPartition(ps []Partition, label string) (Partition, bool) {
	for _, p := range ps {
		if p.Label == label {
			return p, true
		}
	}
	return Partition{}, false
}

// EncodePartitionTable writes a table as ESP-IDF does (entries, the MD5
// entry, 0xFF up to PartitionTableSize). Tests and simulators use it.
func EncodePartitionTable(ps []Partition) []byte {
	var b []byte
	for _, p := range ps {
		e := make([]byte, partitionEntrySize)
		e[0], e[1], e[2], e[3] = 0xAA, 0x50, p.Type, p.Subtype
		binary.LittleEndian.PutUint32(e[4:], p.Offset)
		binary.LittleEndian.PutUint32(e[8:], p.Size)
		copy(e[12:28], p.Label)
		binary.LittleEndian.PutUint32(e[28:], p.Flags)
		b = append(b, e...)
	}
	sum := md5.Sum(b)
	m := bytes.Repeat([]byte{0xFF}, partitionEntrySize)
	m[0], m[1] = 0xEB, 0xEB
	copy(m[16:], sum[:])
	b = append(b, m...)
	for len(b) < PartitionTableSize {
		b = append(b, 0xFF)
	}
	return b
}

// AtomVMPartitions is the table of current AtomVM ESP32 builds
// (src/platforms/esp32/partitions.csv): nvs, phy_init, factory app,
// boot.avm at 0x1D0000 and main.avm at 0x250000. Tests and the simulator
// use it; flashing always reads the board's own table.
func AtomVMPartitions() []Partition {
	return []Partition{
		{Label: "nvs", Type: TypeData, Subtype: SubtypeNVS, Offset: 0x9000, Size: 0x6000},
		{Label: "phy_init", Type: TypeData, Subtype: SubtypePHY, Offset: 0xF000, Size: 0x1000},
		{Label: "factory", Type: TypeApp, Subtype: SubtypeOTA, Offset: 0x10000, Size: 0x1C0000},
		{Label: "boot.avm", Type: TypeData, Subtype: SubtypePHY, Offset: 0x1D0000, Size: 0x80000},
		{Label: AppPartition, Type: TypeData, Subtype: SubtypePHY, Offset: 0x250000, Size: 0x100000},
	}
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
