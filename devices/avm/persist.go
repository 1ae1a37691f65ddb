package avm

import (
	"bytes"
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
