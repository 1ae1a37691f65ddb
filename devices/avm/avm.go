package avm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Record flags (packbeam_api.erl; AtomVM avmpack.h).
const (
	FlagStart  = 1 // the module whose start/0 AtomVM runs (with FlagBEAM)
	FlagBEAM   = 2 // a BEAM module
	FlagNormal = 4 // a plain file: priv data, application.bin, ...
)

// Header is the 24 bytes every .avm starts with.
var Header = []byte("#!/usr/bin/env AtomVM\n\x00\x00")

// MaxSize bounds the size of an .avm Decode accepts; the largest AtomVM
// application partitions are a few MiB.
const MaxSize = 64 << 20

// Record is one entry of an .avm file.
type Record struct {
	// Name is "mod.beam" for a module, the path packbeam was given (e.g.
	// "myapp/priv/config.json") for a plain file.
	Name  string
	Flags uint32
	// Data is what follows the name and its padding: a BEAM image for a
	// module, a 32-bit big-endian length then the contents for a plain
	// file (NormalData).
	Data []byte
	// Offset is where the record starts in the file it was read from.
	Offset int
}

// IsBEAM reports a module record.
func (r Record) IsBEAM() bool { return r.Flags&FlagBEAM != 0 }

// IsStart reports the start module's record.
func (r Record) IsStart() bool { return r.Flags&FlagStart != 0 }

// Contents returns a plain file's contents (the bytes after the length
// word, as long as the length says), or a module's image.
func (r Record) Contents() []byte {
	if r.Flags&FlagNormal == 0 || len(r.Data) < 4 {
		return r.Data
	}
	n := binary.BigEndian.Uint32(r.Data)
	if int64(n) > int64(len(r.Data)-4) {
		return r.Data[4:]
	}
	return r.Data[4 : 4+n]
}

// Module returns the module name of a module record ("" for others).
func (r Record) Module() string {
	if !r.IsBEAM() {
		return ""
	}
	m, _ := beamName(r.Data)
	return m
}

// NormalData is the record data packbeam stores for a plain file: a
// 32-bit big-endian length, then the contents.
func NormalData(contents []byte) []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(contents)), uint32(len(contents)))
	return append(out, contents...)
}

func pad4(n int) int { return (4 - n%4) % 4 }

// Encode writes an .avm exactly as packbeam_api:write_packbeam/2 does:
// the header, then for each record its size (of the whole record),
// flags, a zero word, the name and a NUL padded with zeros to 4 bytes,
// the data padded with zeros to 4 bytes; then the end record (size 0,
// flags 0, 0, "end\0").
func Encode(records []Record) []byte {
	n := len(Header) + 16
	for _, r := range records {
		n += recordSize(r)
	}
	out := make([]byte, 0, n)
	out = append(out, Header...)
	for _, r := range records {
		out = appendRecord(out, r)
	}
	out = appendHeader(out, 0, 0, "end")
	return out
}

func recordSize(r Record) int {
	h := 12 + len(r.Name) + 1
	return h + pad4(h) + len(r.Data) + pad4(len(r.Data))
}

func appendHeader(out []byte, size int, flags uint32, name string) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(size))
	out = binary.BigEndian.AppendUint32(out, flags)
	out = binary.BigEndian.AppendUint32(out, 0)
	out = append(out, name...)
	return append(out, 0)
}

func appendRecord(out []byte, r Record) []byte {
	h := 12 + len(r.Name) + 1
	out = appendHeader(out, recordSize(r), r.Flags, r.Name)
	out = append(out, make([]byte, pad4(h))...)
	out = append(out, r.Data...)
	return append(out, make([]byte, pad4(len(r.Data)))...)
}

// ErrFormat is wrapped by every error about a malformed .avm.
var ErrFormat = errors.New("malformed .avm")

// FormatError is a malformed .avm: what and at which byte offset.
type FormatError struct {
	Offset int
	Msg    string
}

func (e *FormatError) Error() string { return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg) }

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

func errorf(off int, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Decoded is a parsed .avm.
type Decoded struct {
	Records []Record
	// End is the offset just past the end record; bytes after it (such as
	// erased flash read back from a board) are not part of the pack.
	End int
}

// Decode reads an .avm the way AtomVM walks it (avmpack.c): after the
// header, records follow one another by their size until a record of
// size 0. Every size is checked against the bytes that remain; records
// must be 4-byte aligned (AtomVM reads them as 32-bit words) and their
// names NUL-terminated inside them. Record data aliases data.
func Decode(data []byte) (*Decoded, error) {
	if len(data) > MaxSize {
		return nil, errorf(0, "the file is %d bytes; the largest .avm accepted is %d MiB", len(data), MaxSize>>20)
	}
	if len(data) < len(Header) || !bytes.Equal(data[:len(Header)], Header) {
		return nil, errorf(0, "no AtomVM pack header (%q followed by two NULs)", "#!/usr/bin/env AtomVM\n")
	}
	d := &Decoded{}
	for pos := len(Header); ; {
		if len(data)-pos < 12 {
			return nil, errorf(pos, "the file ends without an end record (a record header needs 12 bytes, %d remain)", len(data)-pos)
		}
		size := int64(binary.BigEndian.Uint32(data[pos:]))
		flags := binary.BigEndian.Uint32(data[pos+4:])
		if size == 0 {
			d.End = min(len(data), pos+16)
			return d, nil
		}
		switch {
		case size == 0xffffffff:
			return nil, errorf(pos, "record size 0xffffffff: erased flash where a record or the end record should be")
		case size < 16:
			return nil, errorf(pos, "record size %d is smaller than a record header with a name (16)", size)
		case size%4 != 0:
			return nil, errorf(pos, "record size %d is not a multiple of 4", size)
		case size > int64(len(data)-pos):
			return nil, errorf(pos, "record size %d runs past the end of the file (%d bytes remain)", size, len(data)-pos)
		}
		rec := data[pos : pos+int(size)]
		nul := bytes.IndexByte(rec[12:], 0)
		if nul < 0 {
			return nil, errorf(pos+12, "record name is not NUL-terminated inside its %d-byte record", size)
		}
		start := 12 + nul + 1 + pad4(12+nul+1)
		if start > len(rec) {
			return nil, errorf(pos+12, "record name %+q and its padding run past the record's end", rec[12:12+nul])
		}
		r := Record{Name: string(rec[12 : 12+nul]), Flags: flags, Data: rec[start:], Offset: pos}
		if flags&FlagNormal != 0 && len(r.Data) >= 4 && int64(binary.BigEndian.Uint32(r.Data)) > int64(len(r.Data)-4) {
			return nil, errorf(pos+start, "plain file %q says it has %d bytes, its record holds %d", r.Name, binary.BigEndian.Uint32(r.Data), len(r.Data)-4)
		}
		d.Records = append(d.Records, r)
		pos += int(size)
	}
}
