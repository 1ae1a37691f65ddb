package etf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"

	"github.com/avmsh/avmsh/vm/term"
)

// maxDeflateRatio bounds how far zlib can expand data: deflate's best
// case is about 1032:1, so a declared size beyond this many bytes per
// compressed byte is a lie and is refused before allocating.
const maxDeflateRatio = 1040

// compressed decodes `80, UncompressedSize(4), zlib data` at d.pos
// (erl_ext_dist, "compressed term format"). The declared size is
// checked against the configured maximum and against what the remaining
// bytes could possibly inflate to before the output is allocated; the
// inflated data must hold exactly one term and nothing else.
func (d *decoder) compressed(o *DecodeOptions) (term.Term, error) {
	start := d.pos
	d.pos++
	if !d.has(4) {
		return nil, d.short(start, TagCompressed, 4)
	}
	size := int(d.u32())
	if size == 0 {
		return nil, d.fail(start, TagCompressed, ErrInvalid, "uncompressed size 0")
	}
	if limit := o.maxSize(); size > limit {
		return nil, d.fail(start, TagCompressed, ErrLimit, "uncompressed size %d exceeds the limit of %d bytes (DecodeOptions.MaxSize)", size, limit)
	}
	rest := len(d.b) - d.pos
	if size > maxDeflateRatio*rest+64 {
		return nil, d.fail(start, TagCompressed, ErrInvalid, "uncompressed size %d is more than %d compressed bytes can hold", size, rest)
	}
	br := bytes.NewReader(d.b[d.pos:])
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, d.fail(start, TagCompressed, ErrInvalid, "zlib header: %v", err)
	}
	out := make([]byte, size)
	if _, err := io.ReadFull(zr, out); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, d.fail(start, TagCompressed, ErrInvalid, "inflates to fewer than the declared %d bytes", size)
		}
		return nil, d.fail(start, TagCompressed, ErrInvalid, "inflate: %v", err)
	}
	// Reading past the end verifies the Adler-32 checksum and that the
	// stream holds no more data than declared.
	var one [1]byte
	if n, err := zr.Read(one[:]); n != 0 || err != io.EOF {
		if n != 0 || err == nil {
			return nil, d.fail(start, TagCompressed, ErrInvalid, "inflates to more than the declared %d bytes", size)
		}
		return nil, d.fail(start, TagCompressed, ErrInvalid, "inflate: %v", err)
	}
	consumed := int(br.Size()) - br.Len()
	inner := decoder{b: out, depth: d.depth, limit: d.limit, cache: d.cache, atoms: d.atoms, share: true, inflate: start}
	t, err := inner.term()
	if err != nil {
		return nil, err
	}
	if inner.pos != len(out) {
		return nil, d.fail(start, TagCompressed, ErrInvalid, "%d inflated bytes follow the term", len(out)-inner.pos)
	}
	d.pos += consumed
	return t, nil
}

// compressBody replaces dst[body:] (a term from its tag on) with its
// compressed form when that is smaller, as term_to_binary(T,
// [compressed]) does.
func compressBody(dst []byte, body, level int) ([]byte, error) {
	if level == 0 {
		level = 6
	}
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		return dst, &EncodeError{Reason: "compression level: " + err.Error(), Err: ErrInvalid}
	}
	raw := dst[body:]
	if _, err := zw.Write(raw); err != nil {
		return dst, &EncodeError{Reason: "compress: " + err.Error(), Err: ErrInvalid}
	}
	if err := zw.Close(); err != nil {
		return dst, &EncodeError{Reason: "compress: " + err.Error(), Err: ErrInvalid}
	}
	if 5+buf.Len() >= len(raw) || uint64(len(raw)) > 1<<32-1 {
		return dst, nil
	}
	size := len(raw)
	dst = append(dst[:body], TagCompressed, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(dst[body+1:], uint32(size))
	return append(dst, buf.Bytes()...), nil
}
