package beam

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxFileSize bounds the size of a .beam file Parse accepts (after
// inflating a gzip-compressed one). The largest modules of OTP itself
// are a few MiB; an AtomVM board has a few MiB of flash in all.
const MaxFileSize = 16 << 20

// MaxInflated bounds what a compressed literal table may inflate to.
const MaxInflated = 64 << 20

// ErrNotBEAM is wrapped by errors about input that is not a BEAM file at
// all (no "FOR1"/"BEAM" header); ErrTruncated by errors about a file that
// ends early; ErrTooLarge by errors about limits.
var (
	ErrNotBEAM   = errors.New("not a BEAM file")
	ErrTruncated = errors.New("truncated")
	ErrTooLarge  = errors.New("too large")
	ErrInvalid   = errors.New("invalid")
)

// FormatError describes a malformed file: what is wrong and at which
// byte offset (of the uncompressed file).
type FormatError struct {
	Offset int
	Msg    string
	Err    error // ErrNotBEAM, ErrTruncated, ErrTooLarge or ErrInvalid
}

func (e *FormatError) Error() string { return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg) }

// Unwrap returns the error class.
func (e *FormatError) Unwrap() error { return e.Err }

func errorf(kind error, off int, format string, args ...any) *FormatError {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...), Err: kind}
}

// Chunk is one IFF chunk of a BEAM file.
type Chunk struct {
	ID string
	// Data is the chunk's content, without padding (it aliases the
	// parsed input).
	Data []byte
	// Offset is where the chunk's header starts in the file.
	Offset int
}

// Func names a function of the module: an export or a local.
type Func struct {
	Name  string
	Arity int
	Label int
}

// MFA names an imported function.
type MFA struct {
	Module, Function string
	Arity            int
}

// CodeHeader is the header of the Code chunk.
type CodeHeader struct {
	InstructionSet int // 0 for every OTP release so far
	OpcodeMax      int // the highest opcode the compiler says it used
	Labels         int
	Functions      int
}

// File is a parsed BEAM file.
type File struct {
	// Raw is the file's bytes (inflated if it was gzip-compressed).
	Raw []byte
	// Compressed reports that the input was gzip-compressed.
	Compressed bool
	Chunks     []Chunk
	// Module is the module's name (the first atom).
	Module string
	Atoms  []string
	// Latin1Atoms reports an old "Atom" chunk instead of "AtU8".
	Latin1Atoms bool
	Exports     []Func
	Imports     []MFA
	Locals      []Func
	Code        CodeHeader
	// Opcodes is the set of opcodes the code uses.
	Opcodes OpcodeSet
	// Compiler is the compiler application's version from CInf, e.g.
	// "8.2.3" ("" when the file has no readable CInf).
	Compiler string
}

// Chunk returns the data of the first chunk with the given id.
func (f *File) Chunk(id string) ([]byte, bool) {
	for _, c := range f.Chunks {
		if c.ID == id {
			return c.Data, true
		}
	}
	return nil, false
}

// Exported reports whether name/arity is exported.
func (f *File) Exported(name string, arity int) bool {
	for _, e := range f.Exports {
		if e.Name == name && e.Arity == arity {
			return true
		}
	}
	return false
}

// Parse reads a BEAM file. The result aliases data.
func Parse(data []byte) (*File, error) {
	f := &File{}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		raw, err := gunzip(data)
		if err != nil {
			return nil, err
		}
		data, f.Compressed = raw, true
	}
	if len(data) > MaxFileSize {
		return nil, errorf(ErrTooLarge, 0, "the file is %d bytes; the largest BEAM file accepted is %d MiB", len(data), MaxFileSize>>20)
	}
	f.Raw = data
	if err := f.readChunks(data); err != nil {
		return nil, err
	}
	if err := f.decode(); err != nil {
		return nil, err
	}
	return f, nil
}

func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, errorf(ErrInvalid, 0, "gzip header: %v", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxFileSize+1))
	if err != nil {
		return nil, errorf(ErrTruncated, 0, "gzip-compressed BEAM file: %v", err)
	}
	if len(raw) > MaxFileSize {
		return nil, errorf(ErrTooLarge, 0, "the compressed file inflates to more than %d MiB", MaxFileSize>>20)
	}
	return raw, nil
}

// readChunks splits the IFF container. Like OTP's loader, it reads
// chunks up to the end of the form the header announces; the header's
// size must fit in the file.
func (f *File) readChunks(data []byte) error {
	if len(data) < 12 {
		if len(data) >= 4 && string(data[:4]) == "FOR1" {
			return errorf(ErrTruncated, len(data), "the file ends after %d bytes, inside the 12-byte header", len(data))
		}
		return errorf(ErrNotBEAM, 0, "%d bytes, no FOR1/BEAM header", len(data))
	}
	if string(data[:4]) != "FOR1" || string(data[8:12]) != "BEAM" {
		return errorf(ErrNotBEAM, 0, "the file starts with %+q, not \"FOR1\" <size> \"BEAM\"", data[:min(len(data), 12)])
	}
	form := int64(binary.BigEndian.Uint32(data[4:8]))
	if form+8 > int64(len(data)) {
		return errorf(ErrTruncated, len(data), "the header announces %d bytes but the file has %d: it was cut short", form+8, len(data))
	}
	if form < 4 {
		return errorf(ErrInvalid, 4, "form size %d is smaller than its own type field", form)
	}
	end := int(form) + 8
	for pos := 12; pos < end; {
		if end-pos < 8 {
			return errorf(ErrTruncated, pos, "%d stray bytes where a chunk header (8 bytes) should be", end-pos)
		}
		id := data[pos : pos+4]
		for _, b := range id {
			if b < 0x20 || b > 0x7e {
				return errorf(ErrInvalid, pos, "chunk id %+q is not printable", id)
			}
		}
		size := int64(binary.BigEndian.Uint32(data[pos+4 : pos+8]))
		if size > int64(end-pos-8) {
			return errorf(ErrTruncated, pos, "chunk %s announces %d bytes but only %d remain", id, size, end-pos-8)
		}
		f.Chunks = append(f.Chunks, Chunk{ID: string(id), Data: data[pos+8 : pos+8+int(size)], Offset: pos})
		pos += 8 + int(size+3)&^3
	}
	return nil
}

// chunkOffset is the offset of a chunk's data in the file (for errors).
func (f *File) chunkOffset(id string) int {
	for _, c := range f.Chunks {
		if c.ID == id {
			return c.Offset + 8
		}
	}
	return 0
}

func (f *File) decode() error {
	atoms, ok := f.Chunk("AtU8")
	id := "AtU8"
	if !ok {
		if atoms, ok = f.Chunk("Atom"); !ok {
			return errorf(ErrInvalid, 12, "no atom table (AtU8 chunk): this is not a module the Erlang compiler wrote")
		}
		id, f.Latin1Atoms = "Atom", true
	}
	if err := f.readAtoms(atoms, id); err != nil {
		return err
	}
	code, ok := f.Chunk("Code")
	if !ok {
		return errorf(ErrInvalid, 12, "no Code chunk")
	}
	if err := f.readCode(code); err != nil {
		return err
	}
	var err error
	if f.Exports, err = f.funcTable("ExpT", true); err != nil {
		return err
	}
	if f.Locals, err = f.funcTable("LocT", false); err != nil {
		return err
	}
	if err := f.readImports(); err != nil {
		return err
	}
	f.Compiler = f.compilerVersion()
	return nil
}

// readAtoms decodes an atom table: a count, then each atom's length and
// text. OTP 26+ writes a negative count when lengths are compact-term
// encoded (atoms of more than 255 bytes of UTF-8).
func (f *File) readAtoms(b []byte, id string) error {
	base := f.chunkOffset(id)
	if len(b) < 4 {
		return errorf(ErrTruncated, base, "%s chunk of %d bytes has no atom count", id, len(b))
	}
	n := int64(int32(binary.BigEndian.Uint32(b)))
	compact := n < 0
	if compact {
		n = -n
	}
	if n < 1 || n > int64(len(b)-4) {
		return errorf(ErrInvalid, base, "%s chunk: atom count %d does not fit its %d bytes", id, n, len(b))
	}
	f.Atoms = make([]string, 0, n)
	pos := 4
	for i := int64(0); i < n; i++ {
		var l int
		if compact {
			t, next, err := readCompact(b, pos)
			if err != nil || t.tag != tagU || t.big || t.val > 1024 {
				return errorf(ErrInvalid, base+pos, "%s chunk: bad length of atom %d", id, i+1)
			}
			l, pos = int(t.val), next
		} else {
			if pos >= len(b) {
				return errorf(ErrTruncated, base+pos, "%s chunk ends before atom %d of %d", id, i+1, n)
			}
			l = int(b[pos])
			pos++
		}
		if l > len(b)-pos {
			return errorf(ErrTruncated, base+pos, "%s chunk: atom %d needs %d bytes, %d remain", id, i+1, l, len(b)-pos)
		}
		text := b[pos : pos+l]
		if !f.Latin1Atoms && !utf8.Valid(text) {
			return errorf(ErrInvalid, base+pos, "%s chunk: atom %d is not valid UTF-8", id, i+1)
		}
		if f.Latin1Atoms {
			f.Atoms = append(f.Atoms, latin1(text))
		} else {
			f.Atoms = append(f.Atoms, string(text))
		}
		pos += l
	}
	f.Module = f.Atoms[0]
	if f.Module == "" {
		return errorf(ErrInvalid, base+4, "%s chunk: the module name (first atom) is empty", id)
	}
	return nil
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// atom returns atom i (1-based), for tables that refer to atoms.
func (f *File) atom(i uint32) (string, bool) {
	if i < 1 || int64(i) > int64(len(f.Atoms)) {
		return "", false
	}
	return f.Atoms[i-1], true
}

// triples splits an ExpT/ImpT/LocT-style table: a count, then count
// entries of three 32-bit words.
func (f *File) triples(id string) ([][3]uint32, error) {
	b, ok := f.Chunk(id)
	if !ok {
		return nil, nil
	}
	base := f.chunkOffset(id)
	if len(b) < 4 {
		return nil, errorf(ErrTruncated, base, "%s chunk of %d bytes has no count", id, len(b))
	}
	n := int64(binary.BigEndian.Uint32(b))
	if n*12 != int64(len(b)-4) {
		return nil, errorf(ErrInvalid, base, "%s chunk: %d entries of 12 bytes do not fill its %d bytes", id, n, len(b)-4)
	}
	out := make([][3]uint32, n)
	for i := range out {
		p := 4 + i*12
		out[i] = [3]uint32{binary.BigEndian.Uint32(b[p:]), binary.BigEndian.Uint32(b[p+4:]), binary.BigEndian.Uint32(b[p+8:])}
	}
	return out, nil
}

func (f *File) funcTable(id string, required bool) ([]Func, error) {
	if _, ok := f.Chunk(id); !ok && required {
		return nil, errorf(ErrInvalid, 12, "no %s chunk", id)
	}
	ts, err := f.triples(id)
	if err != nil {
		return nil, err
	}
	out := make([]Func, len(ts))
	for i, t := range ts {
		name, ok := f.atom(t[0])
		if !ok || t[1] > 255 {
			return nil, errorf(ErrInvalid, f.chunkOffset(id)+4+i*12, "%s entry %d refers to atom %d or arity %d out of range", id, i+1, t[0], t[1])
		}
		out[i] = Func{Name: name, Arity: int(t[1]), Label: int(t[2])}
	}
	return out, nil
}

func (f *File) readImports() error {
	if _, ok := f.Chunk("ImpT"); !ok {
		return errorf(ErrInvalid, 12, "no ImpT chunk")
	}
	ts, err := f.triples("ImpT")
	if err != nil {
		return err
	}
	f.Imports = make([]MFA, len(ts))
	for i, t := range ts {
		m, ok1 := f.atom(t[0])
		fn, ok2 := f.atom(t[1])
		if !ok1 || !ok2 || t[2] > 255 {
			return errorf(ErrInvalid, f.chunkOffset("ImpT")+4+i*12, "ImpT entry %d refers to atoms %d, %d or arity %d out of range", i+1, t[0], t[1], t[2])
		}
		f.Imports[i] = MFA{Module: m, Function: fn, Arity: int(t[2])}
	}
	return nil
}
