package etf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/avmsh/avmsh/vm/term"
)

// Decoder reads a stream of terms, each starting with the version byte
// 131 (term_to_binary output written back to back), from an io.Reader.
// It reads no further than the end of the term it returns (beyond what
// it buffers), never holds more than opts.MaxSize bytes for one term, and
// is not safe for concurrent use.
type Decoder struct {
	r     io.Reader
	opts  DecodeOptions
	buf   []byte
	start int   // buf[start:end] is buffered, unread input
	end   int   //
	off   int64 // input offset of buf[start]
	err   error // sticky read error
	scan  scanState
}

// NewDecoder returns a Decoder reading from r. opts may be nil; unless
// opts.Atoms is set the Decoder interns atoms in a table of its own.
func NewDecoder(r io.Reader, opts *DecodeOptions) *Decoder {
	d := &Decoder{r: r}
	if opts != nil {
		d.opts = *opts
	}
	if d.opts.Atoms == nil {
		d.opts.Atoms = NewAtomTable(0)
	}
	return d
}

// InputOffset returns the input offset of the next unread byte.
func (d *Decoder) InputOffset() int64 { return d.off }

// Decode reads and decodes the next term. At the end of the input,
// between terms, it returns io.EOF; a stream that ends inside a term is
// a *DecodeError wrapping ErrTruncated (and io.ErrUnexpectedEOF).
func (d *Decoder) Decode() (term.Term, error) {
	if err := d.fill(1); err != nil {
		if errors.Is(err, io.EOF) && d.end == d.start {
			return nil, io.EOF
		}
		return nil, d.truncated(err)
	}
	if v := d.buf[d.start]; v != Version {
		return nil, &DecodeError{Offset: int(d.off), Msg: fmt.Sprintf("expected version byte 131, found %d", v), Err: ErrInvalid}
	}
	if err := d.fill(2); err != nil {
		return nil, d.truncated(err)
	}
	if d.buf[d.start+1] == TagCompressed {
		return d.compressed()
	}
	maxSize, maxDepth := d.opts.maxSize(), d.opts.maxDepth()
	d.scan = scanState{pos: 1, stack: d.scan.stack[:0]}
	for {
		done, err := d.scan.scan(d.buf[d.start:d.end], maxSize+1, maxDepth)
		if err != nil {
			return nil, d.shift(err)
		}
		if done {
			break
		}
		if err := d.fill(d.end - d.start + 1); err != nil {
			return nil, d.truncated(err)
		}
	}
	n := d.scan.pos
	t, _, err := DecodeBody(d.buf[d.start:d.start+n], 1, &d.opts)
	if err != nil {
		return nil, d.shift(err)
	}
	d.consume(n)
	return t, nil
}

func (d *Decoder) consume(n int) {
	d.start += n
	d.off += int64(n)
}

// fill makes at least n bytes available in buf[start:end].
func (d *Decoder) fill(n int) error {
	for d.end-d.start < n {
		if d.err != nil {
			return d.err
		}
		if d.end == len(d.buf) {
			// With ShareBinaries, decoded terms may alias the bytes
			// before start: never move or overwrite them.
			if d.start > 0 && !d.opts.ShareBinaries {
				copy(d.buf, d.buf[d.start:d.end])
				d.end -= d.start
				d.start = 0
			}
			if d.end == len(d.buf) {
				nb := make([]byte, max(4096, 2*len(d.buf), n))
				copy(nb, d.buf[d.start:d.end])
				d.buf, d.end, d.start = nb, d.end-d.start, 0
			}
		}
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if err != nil {
			d.err = err
		}
	}
	return nil
}

func (d *Decoder) truncated(err error) error {
	if errors.Is(err, io.EOF) {
		return &DecodeError{Offset: int(d.off) + (d.end - d.start), Msg: "the stream ends inside a term", Err: errors.Join(ErrTruncated, io.ErrUnexpectedEOF)}
	}
	return &DecodeError{Offset: int(d.off) + (d.end - d.start), Msg: "read: " + err.Error(), Err: err}
}

// shift moves a decode error's offset from the buffer to the stream.
func (d *Decoder) shift(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		de.Offset += int(d.off)
	}
	return err
}

// compressed reads `131, 80, UncompressedSize, zlib data`, pulling
// exactly the bytes of the zlib stream from the input.
func (d *Decoder) compressed() (term.Term, error) {
	if err := d.fill(6); err != nil {
		return nil, d.truncated(err)
	}
	at := d.off + 1
	p := d.buf[d.start+2 : d.start+6]
	size := int(uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]))
	d.consume(6)
	if size == 0 || size > d.opts.maxSize() {
		return nil, &DecodeError{Offset: int(at), Tag: TagCompressed, Err: ErrLimit,
			Msg: fmt.Sprintf("uncompressed size %d outside 1..%d (DecodeOptions.MaxSize)", size, d.opts.maxSize())}
	}
	zr, err := zlib.NewReader(byteSource{d})
	if err != nil {
		return nil, &DecodeError{Offset: int(at), Tag: TagCompressed, Msg: "zlib header: " + err.Error(), Err: ErrInvalid}
	}
	var out bytes.Buffer
	out.Grow(min(size, 64<<10))
	if n, err := io.CopyN(&out, zr, int64(size)); err != nil {
		return nil, &DecodeError{Offset: int(at), Tag: TagCompressed, Err: ErrInvalid,
			Msg: fmt.Sprintf("inflated %d of the declared %d bytes: %v", n, size, err)}
	}
	var one [1]byte
	if n, err := zr.Read(one[:]); n != 0 || err != io.EOF {
		return nil, &DecodeError{Offset: int(at), Tag: TagCompressed, Err: ErrInvalid,
			Msg: fmt.Sprintf("inflates to more than the declared %d bytes or is corrupt (%v)", size, err)}
	}
	o := d.opts
	o.ShareBinaries = true // out is ours
	inner := decoder{b: out.Bytes(), inflate: int(at)}
	inner.init(&o)
	inner.inflate = int(at)
	t, err := inner.term()
	if err != nil {
		return nil, err
	}
	if inner.pos != out.Len() {
		return nil, &DecodeError{Offset: int(at), Tag: TagCompressed, Err: ErrInvalid,
			Msg: fmt.Sprintf("%d inflated bytes follow the term", out.Len()-inner.pos)}
	}
	return t, nil
}

// byteSource lets zlib read the compressed stream byte by byte from the
// Decoder's buffer, so that it never consumes input past its end.
type byteSource struct{ d *Decoder }

func (s byteSource) ReadByte() (byte, error) {
	if err := s.d.fill(1); err != nil {
		return 0, err
	}
	c := s.d.buf[s.d.start]
	s.d.consume(1)
	return c, nil
}

func (s byteSource) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.d.fill(1); err != nil {
		return 0, err
	}
	n := copy(p, s.d.buf[s.d.start:s.d.end])
	s.d.consume(n)
	return n, nil
}

// Encoder writes terms, each with its version byte, to an io.Writer.
// It reuses one buffer and is not safe for concurrent use.
type Encoder struct {
	w    io.Writer
	opts EncodeOptions
	buf  []byte
}

// NewEncoder returns an Encoder writing to w with opts (nil for the
// defaults).
func NewEncoder(w io.Writer, opts *EncodeOptions) *Encoder {
	e := &Encoder{w: w}
	if opts != nil {
		e.opts = *opts
	}
	return e
}

// Encode writes the encoding of t in one Write call. An unencodable
// term is an *EncodeError and nothing is written.
func (e *Encoder) Encode(t term.Term) error {
	var err error
	if e.buf, err = AppendTerm(e.buf[:0], t, &e.opts); err != nil {
		return err
	}
	if _, err := e.w.Write(e.buf); err != nil {
		return fmt.Errorf("etf: write term: %w", err)
	}
	if cap(e.buf) > 1<<20 {
		e.buf = nil // do not pin a huge buffer
	}
	return nil
}
