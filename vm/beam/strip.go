package beam

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
)

// packbeamChunk reports the chunks atomvm_packbeam keeps, in the order of
// its ALLOWED_CHUNKS (packbeam_api.erl, 0.8.2); "Line" is kept too unless
// lines are removed. Everything else (Meta, Attr, CInf, Dbgi, Docs, ...)
// is dropped.
func packbeamChunk(id string) bool {
	switch id {
	case "AtU8", "Code", "ExpT", "LocT", "ImpT", "LitU",
		"FunT", "StrT", "LitT", "avmN", "Type", "Recs":
		return true
	}
	return false
}

// StripOptions control Strip.
type StripOptions struct {
	// RemoveLines drops the Line chunk (packbeam --remove_lines): smaller
	// modules, no line numbers in stack traces.
	RemoveLines bool
}

// Strip returns the module rebuilt as atomvm_packbeam rebuilds each .beam
// it packs: a compressed LitT becomes an uncompressed LitU in the same
// place (an uncompressed LitT, whose size word is 0, stays as it is),
// only the chunks AtomVM uses are kept, in file order, and the file is
// rebuilt with beam_lib:build_module/1's layout.
func (f *File) Strip(opts StripOptions) ([]byte, error) {
	var chunks []Chunk
	for _, c := range f.Chunks {
		if c.ID == "LitT" {
			lit, err := f.inflateLiterals(c)
			if err != nil {
				return nil, err
			}
			if lit != nil {
				c = Chunk{ID: "LitU", Data: lit, Offset: c.Offset}
			}
		}
		if packbeamChunk(c.ID) || (c.ID == "Line" && !opts.RemoveLines) {
			chunks = append(chunks, c)
		}
	}
	return Build(chunks), nil
}

// Build lays chunks out as beam_lib:build_module/1 does: "FOR1", the
// size of what follows, "BEAM", then each chunk's id, its 32-bit size,
// its data and zero padding to a multiple of 4.
func Build(chunks []Chunk) []byte {
	n := 12
	for _, c := range chunks {
		n += 8 + (len(c.Data)+3)&^3
	}
	out := make([]byte, 0, n)
	out = append(out, "FOR1"...)
	out = binary.BigEndian.AppendUint32(out, uint32(n-8))
	out = append(out, "BEAM"...)
	for _, c := range chunks {
		out = append(out, c.ID...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(c.Data)))
		out = append(out, c.Data...)
		out = append(out, make([]byte, (4-len(c.Data)%4)%4)...)
	}
	return out
}

// inflateLiterals returns the uncompressed literal table of a LitT chunk
// (its 32-bit uncompressed size, then zlib data), or nil when the size
// word is 0, which means the table is stored uncompressed after it.
func (f *File) inflateLiterals(c Chunk) ([]byte, error) {
	if len(c.Data) < 4 {
		return nil, errorf(ErrTruncated, c.Offset+8, "LitT chunk of %d bytes has no size word", len(c.Data))
	}
	size := int64(binary.BigEndian.Uint32(c.Data))
	if size == 0 {
		return nil, nil
	}
	if size > MaxInflated {
		return nil, errorf(ErrTooLarge, c.Offset+8, "LitT chunk says its literals inflate to %d bytes (limit %d MiB)", size, MaxInflated>>20)
	}
	zr, err := zlib.NewReader(bytes.NewReader(c.Data[4:]))
	if err != nil {
		return nil, errorf(ErrInvalid, c.Offset+12, "LitT chunk: zlib header: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, size+1))
	if err != nil {
		return nil, errorf(ErrInvalid, c.Offset+12, "LitT chunk: inflate: %v", err)
	}
	if int64(len(out)) != size {
		return nil, errorf(ErrInvalid, c.Offset+8, "LitT chunk inflates to %d bytes, not the %d its size word says", len(out), size)
	}
	return out, nil
}
