package etf

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// Marshal returns the external term format of t with its version byte,
// as term_to_binary/1 would produce it (byte-for-byte equal except for
// map order and the modern tags of ProfileBEAM).
func Marshal(t term.Term) ([]byte, error) { return AppendTerm(nil, t, nil) }

// MarshalOptions is Marshal with options.
func MarshalOptions(t term.Term, opts *EncodeOptions) ([]byte, error) {
	return AppendTerm(nil, t, opts)
}

// AppendTerm appends the version byte 131 and the encoding of t to dst
// and returns the extended buffer, compressing it when opts.Compress is
// set. On error dst is returned unchanged (truncated to its original
// length) with an *EncodeError. opts may be nil.
func AppendTerm(dst []byte, t term.Term, opts *EncodeOptions) ([]byte, error) {
	orig := len(dst)
	dst = append(dst, Version)
	e := newEncoder(opts)
	if opts != nil && opts.Compress && e.avm {
		return dst[:orig], &EncodeError{Term: t, AtomVM: true, Reason: "compressed terms (tag 80) are not decodable there", Err: ErrUnsupported}
	}
	body := len(dst)
	dst, err := e.term(dst, t)
	if err == nil {
		err = e.localLast(dst, t)
	}
	if err != nil {
		return dst[:orig], err
	}
	if opts != nil && opts.Compress {
		if dst, err = compressBody(dst, body, opts.CompressionLevel); err != nil {
			return dst[:orig], err
		}
	}
	return dst, nil
}

// AppendBody appends the encoding of t without the version byte: the
// form of the terms that follow a distribution header. opts.Compress is
// ignored. On error dst is returned unchanged.
func AppendBody(dst []byte, t term.Term, opts *EncodeOptions) ([]byte, error) {
	orig := len(dst)
	e := newEncoder(opts)
	dst, err := e.term(dst, t)
	if err == nil {
		err = e.localLast(dst, t)
	}
	if err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// localLast refuses an encoding in which something follows a LOCAL_EXT
// term. LOCAL_EXT's bytes are node-private and run to the end of the
// encoding (erl_ext_dist, LOCAL_EXT; see the decoder), so a term after it
// would be read as part of it: a LocalExt can only be the last term
// encoded (alone, or the last element of the last container).
func (e *encoder) localLast(dst []byte, t term.Term) error {
	if e.localEnd < 0 || e.localEnd == len(dst) {
		return nil
	}
	return &EncodeError{Term: t, Reason: "a LOCAL_EXT term runs to the end of its encoding, and other terms follow it here (it can only come last)", Err: ErrUnsupported}
}

type encoder struct {
	avm      bool
	cacheRef func(term.Atom) (int, bool)
	depth    int
	limit    int // the depth limit, for errors
	localEnd int // where the last LocalExt written ends; -1: none (localLast)
}

func newEncoder(o *EncodeOptions) encoder {
	e := encoder{depth: DefaultMaxDepth, localEnd: -1}
	if o != nil {
		e.avm = o.Profile == ProfileAtomVM
		if !e.avm {
			e.cacheRef = o.AtomCacheRef
		}
		if o.MaxDepth > 0 {
			e.depth = o.MaxDepth
		}
	}
	e.limit = e.depth
	return e
}

func (e *encoder) refuse(t term.Term, reason string) error {
	return &EncodeError{Term: t, Reason: reason, AtomVM: e.avm, Err: ErrUnsupported}
}

func invalid(t term.Term, reason string) error {
	return &EncodeError{Term: t, Reason: reason, Err: ErrInvalid}
}

// enter counts one level of nesting; false means the limit is reached
// (report it with e.tooDeep).
func (e *encoder) enter() bool {
	e.depth--
	return e.depth >= 0
}

func (e *encoder) tooDeep(t term.Term) error {
	return &EncodeError{Term: t, Reason: fmt.Sprintf("nests deeper than %d levels, the limit (EncodeOptions.MaxDepth); is it cyclic?", e.limit),
		Err: &DepthError{Limit: e.limit, Encode: true}}
}

func (e *encoder) term(dst []byte, t term.Term) ([]byte, error) {
	switch v := t.(type) {
	case term.Atom:
		return e.atom(dst, v)
	case term.Int:
		return appendInt(dst, int64(v)), nil
	case term.Tuple:
		if !e.enter() {
			return dst, e.tooDeep(v)
		}
		if len(v) <= 255 {
			dst = append(dst, TagSmallTuple, byte(len(v)))
		} else {
			if uint64(len(v)) > math.MaxUint32 {
				return dst, invalid(v, "more than 2^32-1 elements")
			}
			dst = appendU32(append(dst, TagLargeTuple), uint32(len(v)))
		}
		var err error
		for _, x := range v {
			if dst, err = e.term(dst, x); err != nil {
				return dst, err
			}
		}
		e.depth++
		return dst, nil
	case term.List:
		return e.list(dst, v, nil)
	case term.ImproperList:
		return e.list(dst, v.Elems, v.Tail)
	case term.Chars:
		return e.chars(dst, v)
	case term.Binary:
		if uint64(len(v)) > math.MaxUint32 {
			return dst, invalid(v, "longer than 2^32-1 bytes")
		}
		dst = appendU32(append(dst, TagBinary), uint32(len(v)))
		return append(dst, v...), nil
	case term.Map:
		return e.mapTerm(dst, v)
	case term.Float:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return dst, invalid(v, "Erlang has no NaN or infinity")
		}
		dst = append(dst, TagNewFloat)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case term.Pid:
		return e.pid(dst, v)
	case term.Ref:
		return e.ref(dst, v)
	case term.Port:
		return e.port(dst, v)
	case term.BigInt:
		return e.big(dst, v)
	case term.Bitstring:
		return e.bitstring(dst, v)
	case *term.Fun:
		return e.fun(dst, v)
	case term.ExportFun:
		var err error
		dst = append(dst, TagExport)
		if dst, err = e.atom(dst, v.Module); err != nil {
			return dst, err
		}
		if dst, err = e.atom(dst, v.Function); err != nil {
			return dst, err
		}
		return append(dst, TagSmallInteger, v.Arity), nil
	case term.LocalExt:
		if e.avm {
			return dst, e.refuse(v, "LOCAL_EXT (121) is not decodable there")
		}
		if len(v.Bytes) == 0 || v.Bytes[0] != TagLocal {
			return dst, invalid(v, "LocalExt.Bytes must start with the LOCAL_EXT tag 121")
		}
		dst = append(dst, v.Bytes...)
		e.localEnd = len(dst)
		return dst, nil
	case nil:
		return append(dst, TagNil), nil
	}
	return dst, invalid(t, "unknown term type")
}

func appendU32(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }

// appendInt encodes an int64 as SMALL_INTEGER_EXT, INTEGER_EXT or an
// 8-byte-at-most SMALL_BIG_EXT, like OTP.
func appendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 255:
		return append(dst, TagSmallInteger, byte(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return appendU32(append(dst, TagInteger), uint32(int32(v)))
	}
	sign, mag := byte(0), uint64(v)
	if v < 0 {
		sign, mag = 1, uint64(-v) // MinInt64 gives 1<<63, as intended
	}
	n := (bits.Len64(mag) + 7) / 8
	dst = append(dst, TagSmallBig, byte(n), sign)
	for range n {
		dst = append(dst, byte(mag))
		mag >>= 8
	}
	return dst
}

// list encodes elems followed by tail (nil or an empty List for a
// proper list). Byte lists of up to 65535 elements become STRING_EXT.
func (e *encoder) list(dst []byte, elems []term.Term, tail term.Term) ([]byte, error) {
	whole := func() term.Term { return term.Cons(elems, tail) }
	if isNil(tail) {
		if len(elems) == 0 {
			return append(dst, TagNil), nil
		}
		if len(elems) <= 65535 && byteList(elems) {
			dst = append(dst, TagString, byte(len(elems)>>8), byte(len(elems)))
			for _, x := range elems {
				dst = append(dst, byte(x.(term.Int)))
			}
			return dst, nil
		}
	} else if len(elems) == 0 {
		return e.term(dst, tail)
	}
	if uint64(len(elems)) > math.MaxUint32 {
		return dst, invalid(whole(), "more than 2^32-1 elements")
	}
	if !e.enter() {
		return dst, e.tooDeep(whole())
	}
	dst = appendU32(append(dst, TagList), uint32(len(elems)))
	var err error
	for _, x := range elems {
		if dst, err = e.term(dst, x); err != nil {
			return dst, err
		}
	}
	if isNil(tail) {
		dst = append(dst, TagNil)
	} else if dst, err = e.term(dst, tail); err != nil {
		return dst, err
	}
	e.depth++
	return dst, nil
}

func isNil(t term.Term) bool { return term.IsNil(t) }

func byteList(elems []term.Term) bool {
	for _, x := range elems {
		i, ok := x.(term.Int)
		if !ok || i < 0 || i > 255 {
			return false
		}
	}
	return true
}

func (e *encoder) mapTerm(dst []byte, m term.Map) ([]byte, error) {
	if !e.enter() {
		return dst, e.tooDeep(m)
	}
	dst = appendU32(append(dst, TagMap), uint32(m.Len()))
	var err error
	for _, kv := range m.Pairs() {
		if dst, err = e.term(dst, kv.Key); err != nil {
			return dst, err
		}
		if dst, err = e.term(dst, kv.Value); err != nil {
			return dst, err
		}
	}
	e.depth++
	return dst, nil
}

// atom encodes an atom as SMALL_ATOM_UTF8_EXT (or ATOM_UTF8_EXT beyond
// 255 bytes, never for AtomVM), or as ATOM_CACHE_REF when the atom-cache
// hook has it.
func (e *encoder) atom(dst []byte, a term.Atom) ([]byte, error) {
	if e.cacheRef != nil {
		if i, ok := e.cacheRef(a); ok && i >= 0 && i < 255 {
			return append(dst, TagAtomCacheRef, byte(i)), nil
		}
	}
	n := len(a)
	if !validUTF8(a) {
		return dst, invalid(a, "atom text is not valid UTF-8")
	}
	if n <= 255 {
		dst = append(dst, TagSmallAtomUTF8, byte(n))
		return append(dst, a...), nil
	}
	if e.avm {
		return dst, e.refuse(a, "the atom is longer than 255 bytes of UTF-8")
	}
	if c := utf8.RuneCountInString(string(a)); c > maxAtomChars {
		return dst, invalid(a, "atom of more than 255 characters")
	}
	dst = append(dst, TagAtomUTF8, byte(n>>8), byte(n))
	return append(dst, a...), nil
}

func validUTF8(a term.Atom) bool {
	for i := 0; i < len(a); i++ {
		if a[i] >= 0x80 {
			return utf8.ValidString(string(a[i:]))
		}
	}
	return true
}
