package etf

import (
	"encoding/binary"
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// Decode decodes one term that starts with the version byte 131 at
// b[off]. It returns the term and the number of bytes it occupies
// (including the version byte), so that a packet such as
// `112, 131 <control>, 131 <message>` can be decoded term after term.
// A compressed term (131, 80, ...) is inflated after checking its
// declared size against opts.MaxSize. opts may be nil.
//
// Every length in the input is checked against the bytes that remain
// before anything is allocated; nesting is bounded by opts.MaxDepth.
// Decode never panics; errors are *DecodeError.
func Decode(b []byte, off int, opts *DecodeOptions) (term.Term, int, error) {
	if off < 0 || off >= len(b) {
		return nil, 0, &DecodeError{Offset: off, Msg: "no input at this offset", Err: ErrTruncated}
	}
	if b[off] != Version {
		return nil, 0, &DecodeError{Offset: off, Msg: fmt.Sprintf("expected version byte 131, found %d", b[off]), Err: ErrInvalid}
	}
	t, n, err := DecodeBody(b, off+1, opts)
	return t, n + 1, err
}

// DecodeBody decodes one term that starts with its tag at b[off], with
// no version byte: the form used for the terms that follow a
// distribution header (erl_ext_dist, "Introduction"). It returns the
// term and the number of bytes consumed. opts may be nil.
func DecodeBody(b []byte, off int, opts *DecodeOptions) (term.Term, int, error) {
	if off < 0 || off >= len(b) {
		return nil, 0, &DecodeError{Offset: off, Msg: "no input at this offset", Err: ErrTruncated}
	}
	d := decoder{b: b, pos: off}
	d.init(opts)
	if b[off] == TagCompressed {
		t, err := d.compressed(opts)
		return t, d.pos - off, err
	}
	t, err := d.term()
	if err != nil {
		return nil, 0, err
	}
	return t, d.pos - off, nil
}

// Unmarshal decodes b, which must hold exactly one term with its
// version byte (the output of term_to_binary/1,2), with default options.
func Unmarshal(b []byte) (term.Term, error) {
	return UnmarshalOptions(b, nil)
}

// UnmarshalOptions is Unmarshal with options.
func UnmarshalOptions(b []byte, opts *DecodeOptions) (term.Term, error) {
	t, n, err := Decode(b, 0, opts)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, &DecodeError{Offset: n, Msg: fmt.Sprintf("%d bytes follow the term", len(b)-n), Err: ErrInvalid}
	}
	return t, nil
}

// decoder is the state of one decode over a byte slice. Offsets in
// errors are positions in b plus base (non-zero for inflated data).
type decoder struct {
	b       []byte
	pos     int
	depth   int // remaining nesting budget
	limit   int // the nesting limit, for errors
	cache   []term.Atom
	atoms   *AtomTable
	share   bool
	inflate int // offset of the COMPRESSED tag when decoding inflated data, else -1
}

func (d *decoder) init(o *DecodeOptions) {
	d.depth = o.maxDepth()
	d.limit = d.depth
	d.inflate = -1
	if o != nil {
		d.cache = o.AtomCache
		d.atoms = o.Atoms
		d.share = o.ShareBinaries
	}
}

// fail builds a *DecodeError for the item that started at start.
func (d *decoder) fail(start int, tag byte, cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if d.inflate >= 0 {
		return &DecodeError{Offset: d.inflate, Tag: TagCompressed, Err: cause,
			Msg: fmt.Sprintf("inflated data, %s at offset %d: %s", TagName(tag), start, msg)}
	}
	return &DecodeError{Offset: start, Tag: tag, Msg: msg, Err: cause}
}

func (d *decoder) short(start int, tag byte, need int) error {
	return d.fail(start, tag, ErrTruncated, "need %d more bytes, %d remain", need, len(d.b)-d.pos)
}

// has reports whether n more bytes remain.
func (d *decoder) has(n int) bool { return n >= 0 && len(d.b)-d.pos >= n }

func (d *decoder) u16() int {
	v := binary.BigEndian.Uint16(d.b[d.pos:])
	d.pos += 2
	return int(v)
}

func (d *decoder) u32() uint32 {
	v := binary.BigEndian.Uint32(d.b[d.pos:])
	d.pos += 4
	return v
}

// count reads a 4-byte element count and checks that at least
// count*minBytes bytes remain, so that a hostile length fails before
// anything is allocated.
func (d *decoder) count(start int, tag byte, minBytes int) (int, error) {
	if !d.has(4) {
		return 0, d.short(start, tag, 4)
	}
	n := uint64(d.u32())
	if n*uint64(minBytes) > uint64(len(d.b)-d.pos) {
		return 0, d.fail(start, tag, ErrTruncated, "claims %d elements but only %d bytes remain", n, len(d.b)-d.pos)
	}
	return int(n), nil
}

func (d *decoder) bytes(n int) []byte {
	p := d.b[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	if d.share {
		return p
	}
	return append([]byte(nil), p...)
}

// term decodes the term at d.pos.
func (d *decoder) term() (term.Term, error) {
	start := d.pos
	if start >= len(d.b) {
		return nil, d.fail(start, 0, ErrTruncated, "input ends where a term should start")
	}
	tag := d.b[start]
	d.pos++
	switch tag {
	case TagSmallInteger:
		if !d.has(1) {
			return nil, d.short(start, tag, 1)
		}
		v := d.b[d.pos]
		d.pos++
		return smallInts[v], nil
	case TagInteger:
		if !d.has(4) {
			return nil, d.short(start, tag, 4)
		}
		return term.Int(int32(d.u32())), nil
	case TagSmallAtomUTF8, TagAtomUTF8, TagAtom, TagSmallAtom, TagAtomCacheRef:
		d.pos = start
		return d.atomTerm()
	case TagSmallTuple, TagLargeTuple:
		return d.tuple(start, tag)
	case TagNil:
		return term.Nil, nil
	case TagString:
		if !d.has(2) {
			return nil, d.short(start, tag, 2)
		}
		n := d.u16()
		if !d.has(n) {
			return nil, d.short(start, tag, n)
		}
		p := d.b[d.pos : d.pos+n]
		d.pos += n
		return latin1Chars(p), nil
	case TagList:
		return d.list(start)
	case TagBinary:
		if !d.has(4) {
			return nil, d.short(start, tag, 4)
		}
		n := int(d.u32())
		if !d.has(n) {
			return nil, d.short(start, tag, n)
		}
		return term.Binary(d.bytes(n)), nil
	case TagMap:
		return d.mapTerm(start)
	case TagNewFloat:
		return d.newFloat(start)
	case TagSmallBig, TagLargeBig:
		return d.big(start, tag)
	case TagNewPid, TagPid:
		return d.pid(start, tag)
	case TagNewerReference, TagNewReference, TagReference:
		return d.ref(start, tag)
	case TagV4Port, TagNewPort, TagPort:
		return d.port(start, tag)
	case TagBitBinary:
		return d.bitBinary(start)
	case TagNewFun:
		return d.newFun(start)
	case TagExport:
		return d.export(start)
	case TagFloat:
		return d.oldFloat(start)
	case TagFun:
		return d.oldFun(start)
	case TagLocal:
		// erl_ext_dist, LOCAL_EXT: "the bytes following from here on may
		// contain any unspecified type of encoding", so the term extends
		// to the end of the input. Keep it opaque and byte-identical.
		t := term.LocalExt{Bytes: string(d.b[start:])}
		d.pos = len(d.b)
		return t, nil
	case TagCompressed:
		return nil, d.fail(start, tag, ErrInvalid, "a compressed term may only appear at the top level")
	}
	return nil, d.fail(start, tag, ErrInvalid, "unknown tag")
}

func (d *decoder) enter(start int, tag byte) error {
	d.depth--
	if d.depth < 0 {
		return d.fail(start, tag, &DepthError{Limit: d.limit}, "terms nest deeper than %d levels, the limit (DecodeOptions.MaxDepth)", d.limit)
	}
	return nil
}

func (d *decoder) tuple(start int, tag byte) (term.Term, error) {
	var n int
	if tag == TagSmallTuple {
		if !d.has(1) {
			return nil, d.short(start, tag, 1)
		}
		n = int(d.b[d.pos])
		d.pos++
		if !d.has(n) {
			return nil, d.fail(start, tag, ErrTruncated, "claims %d elements but only %d bytes remain", n, len(d.b)-d.pos)
		}
	} else {
		var err error
		if n, err = d.count(start, tag, 1); err != nil {
			return nil, err
		}
	}
	if err := d.enter(start, tag); err != nil {
		return nil, err
	}
	t := make([]term.Term, n)
	for i := range t {
		e, err := d.term()
		if err != nil {
			return nil, err
		}
		t[i] = e
	}
	d.depth++
	return term.Tuple(t), nil
}

// list decodes LIST_EXT, following a chain of LIST_EXT and STRING_EXT
// tails iteratively so that a long chain cannot exhaust the stack. A
// LIST_EXT of length 0 stands for its tail, as in OTP's decoder.
func (d *decoder) list(start int) (term.Term, error) {
	if err := d.enter(start, TagList); err != nil {
		return nil, err
	}
	t, err := d.listChain(start)
	d.depth++
	return t, err
}

func (d *decoder) listChain(start int) (term.Term, error) {
	var elems []term.Term
	at, tag := start, byte(TagList)
	for {
		switch tag {
		case TagList:
			n, err := d.count(at, tag, 1)
			if err != nil {
				return nil, err
			}
			if elems == nil {
				if l, ok := d.charList(n); ok {
					return l, nil
				}
				elems = make([]term.Term, 0, n)
			} else {
				elems = growTerms(elems, n)
			}
			for range n {
				// Fast path: byte lists too long for STRING_EXT are
				// LIST_EXT chains of SMALL_INTEGER_EXT.
				if p := d.pos; p+1 < len(d.b) && d.b[p] == TagSmallInteger {
					elems = append(elems, smallInts[d.b[p+1]])
					d.pos = p + 2
					continue
				}
				e, err := d.term()
				if err != nil {
					return nil, err
				}
				elems = append(elems, e)
			}
		case TagString:
			if !d.has(2) {
				return nil, d.short(at, tag, 2)
			}
			n := d.u16()
			if !d.has(n) {
				return nil, d.short(at, tag, n)
			}
			elems = growTerms(elems, n)
			for _, c := range d.b[d.pos : d.pos+n] {
				elems = append(elems, smallInts[c])
			}
			d.pos += n
			// A STRING_EXT tail is a whole proper list: the list ends here.
			if len(elems) == 0 {
				return term.Nil, nil
			}
			return term.List(elems), nil
		case TagNil:
			if len(elems) == 0 {
				return term.Nil, nil
			}
			return term.List(elems), nil
		default:
			d.pos = at
			tail, err := d.term()
			if err != nil {
				return nil, err
			}
			if len(elems) == 0 {
				return tail, nil
			}
			return term.ImproperList{Elems: elems, Tail: tail}, nil
		}
		at = d.pos
		if at >= len(d.b) {
			return nil, d.fail(at, 0, ErrTruncated, "input ends where a list tail should start")
		}
		tag = d.b[at]
		d.pos++
	}
}

func growTerms(s []term.Term, n int) []term.Term {
	if cap(s)-len(s) >= n {
		return s
	}
	// Grow geometrically: a chain of one-element tails must stay linear.
	c := max(len(s)+n, 2*cap(s))
	out := make([]term.Term, len(s), c)
	copy(out, s)
	return out
}

func (d *decoder) mapTerm(start int) (term.Term, error) {
	n, err := d.count(start, TagMap, 2)
	if err != nil {
		return nil, err
	}
	if err := d.enter(start, TagMap); err != nil {
		return nil, err
	}
	if n == 0 {
		d.depth++
		return term.Map{}, nil
	}
	kv := make([]term.KV, n)
	for i := range kv {
		k, err := d.term()
		if err != nil {
			return nil, err
		}
		v, err := d.term()
		if err != nil {
			return nil, err
		}
		kv[i] = term.KV{Key: k, Value: v}
	}
	m, ok := term.NewMapUnique(kv)
	d.depth++
	if !ok {
		// erl_ext_dist, MAP_EXT: "Duplicate keys are not allowed".
		return nil, d.fail(start, TagMap, ErrInvalid, "duplicate keys among its %d pairs", n)
	}
	return m, nil
}

func (d *decoder) bitBinary(start int) (term.Term, error) {
	if !d.has(5) {
		return nil, d.short(start, TagBitBinary, 5)
	}
	n := int(d.u32())
	bits := d.b[d.pos]
	d.pos++
	// OTP: Bits is 1..8, and 0 only for an empty binary.
	if (bits == 0) != (n == 0) || bits > 8 {
		return nil, d.fail(start, TagBitBinary, ErrInvalid, "%d bits used in the last of %d bytes", bits, n)
	}
	if !d.has(n) {
		return nil, d.short(start, TagBitBinary, n)
	}
	data := d.bytes(n)
	if n == 0 || bits == 8 {
		return term.Binary(data), nil
	}
	mask := byte(0xFF << (8 - bits))
	if data[n-1]&^mask != 0 {
		// Clear the unused bits (never in the input when sharing it).
		if d.share {
			data = append([]byte(nil), data...)
		}
		data[n-1] &= mask
	}
	return term.Bitstring{Data: data, Bits: bits}, nil
}
