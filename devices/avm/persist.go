package avm

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/avmsh/avmsh/vm/beam"
)

// Replace returns the .avm old (as read back from a board's application
// partition: bytes after the end record are ignored) with the given
// modules put in: a module already in it replaces its record in place,
// keeping the record's flags (so the start module stays the start
// module, first); a new module is added before the end record with
// FlagBEAM. Modules are stripped as packbeam strips them. This is the
// first half of `avmsh load --persist` (the second flashes only the
// sectors that differ, see ChangedSectors).
func Replace(old []byte, mods []*beam.File, o beam.StripOptions) ([]byte, error) {
	d, err := Decode(old)
	if err != nil {
		return nil, err
	}
	records := append([]Record(nil), d.Records...)
	for _, m := range mods {
		data, err := m.Strip(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Module, err)
		}
		name := m.Module + ".beam"
		replaced := false
		for i, r := range records {
			if r.IsBEAM() && r.Name == name {
				records[i].Data = data
				replaced = true
			}
		}
		if !replaced {
			records = append(records, Record{Name: name, Flags: FlagBEAM, Data: data})
		}
	}
	return Encode(records), nil
}

// ChangedSectors returns the indexes of the sectorSize-byte sectors in
// which next differs from old (a sector past the end of either counts as
// changed when the other has bytes there): what a flasher must erase and
// write to turn old into next.
func ChangedSectors(old, next []byte, sectorSize int) []int {
	if sectorSize <= 0 {
		return nil
	}
	var out []int
	n := max(len(old), len(next))
	for i, s := 0, 0; s < n; i, s = i+1, s+sectorSize {
		a := old[min(s, len(old)):min(s+sectorSize, len(old))]
		b := next[min(s, len(next)):min(s+sectorSize, len(next))]
		if !bytes.Equal(a, b) {
			out = append(out, i)
		}
	}
	return out
}

// Extent walks the record headers of an .avm that may be cut short, such
// as the first bytes of a board's application partition read so far: if
// b holds the whole pack (up to and including its end record) it returns
// the pack's length as end; otherwise end is 0 and need is how many bytes
// b must at least hold to go on. It checks what Decode checks of the
// header and the record sizes (a malformed or erased pack is a
// *FormatError), but not the records' contents.
func Extent(b []byte) (end, need int, err error) {
	h := min(len(b), len(Header))
	if !bytes.Equal(b[:h], Header[:h]) {
		return 0, 0, errorf(0, "no AtomVM pack header (%q followed by two NULs)", "#!/usr/bin/env AtomVM\n")
	}
	pos := len(Header)
	for {
		if len(b)-pos < 12 {
			return 0, pos + 12, nil
		}
		size := int64(binary.BigEndian.Uint32(b[pos:]))
		switch {
		case size == 0:
			if len(b) < pos+16 {
				return 0, pos + 16, nil
			}
			return pos + 16, 0, nil
		case size == 0xffffffff:
			return 0, 0, errorf(pos, "record size 0xffffffff: erased flash where a record or the end record should be")
		case size < 16:
			return 0, 0, errorf(pos, "record size %d is smaller than a record header with a name (16)", size)
		case size%4 != 0:
			return 0, 0, errorf(pos, "record size %d is not a multiple of 4", size)
		case int64(pos)+size+16 > MaxSize:
			return 0, 0, errorf(pos, "record size %d makes the pack larger than %d MiB", size, MaxSize>>20)
		}
		next := pos + int(size)
		if next > len(b) {
			return 0, next + 12, nil
		}
		pos = next
	}
}
