package etf

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// maxAtomChars is Erlang's limit on the characters of an atom
// (erl_ext_dist, note on UTF-8 atoms).
const maxAtomChars = 255

// atom decodes an atom where only an atom may appear (node, module and
// function names).
func (d *decoder) atom() (term.Atom, error) {
	t, err := d.atomTerm()
	if err != nil {
		return "", err
	}
	return t.(term.Atom), nil
}

// atomTerm decodes an atom at d.pos: ATOM_EXT, SMALL_ATOM_EXT (Latin-1),
// ATOM_UTF8_EXT, SMALL_ATOM_UTF8_EXT or ATOM_CACHE_REF. Interned atoms
// come back already boxed as a term.Term, without allocating.
func (d *decoder) atomTerm() (term.Term, error) {
	start := d.pos
	if start >= len(d.b) {
		return nil, d.fail(start, 0, ErrTruncated, "input ends where an atom should start")
	}
	tag := d.b[start]
	d.pos++
	var n int
	switch tag {
	case TagSmallAtomUTF8, TagSmallAtom:
		if !d.has(1) {
			return nil, d.short(start, tag, 1)
		}
		n = int(d.b[d.pos])
		d.pos++
	case TagAtomUTF8, TagAtom:
		if !d.has(2) {
			return nil, d.short(start, tag, 2)
		}
		n = d.u16()
	case TagAtomCacheRef:
		if !d.has(1) {
			return nil, d.short(start, tag, 1)
		}
		i := int(d.b[d.pos])
		d.pos++
		if i >= len(d.cache) {
			if d.cache == nil {
				return nil, d.fail(start, tag, ErrInvalid, "atom cache reference %d but no distribution header atom cache was given (DecodeOptions.AtomCache)", i)
			}
			return nil, d.fail(start, tag, ErrInvalid, "atom cache reference %d beyond the %d entries of the distribution header", i, len(d.cache))
		}
		return d.cache[i], nil
	default:
		return nil, d.fail(start, tag, ErrInvalid, "expected an atom")
	}
	if !d.has(n) {
		return nil, d.short(start, tag, n)
	}
	p := d.b[d.pos : d.pos+n]
	d.pos += n
	latin1 := tag == TagAtom || tag == TagSmallAtom
	if latin1 {
		if n > maxAtomChars {
			return nil, d.fail(start, tag, ErrInvalid, "atom of %d characters; Erlang allows %d", n, maxAtomChars)
		}
		if !isASCII(p) {
			return d.latin1Atom(p), nil
		}
	}
	if a, ok := d.knownAtom(p); ok {
		return a, nil
	}
	if !latin1 {
		if !utf8.Valid(p) {
			return nil, d.fail(start, tag, ErrInvalid, "atom text is not valid UTF-8")
		}
		if n > maxAtomChars && utf8.RuneCount(p) > maxAtomChars {
			return nil, d.fail(start, tag, ErrInvalid, "atom of %d characters; Erlang allows %d", utf8.RuneCount(p), maxAtomChars)
		}
	}
	return d.newAtom(p), nil
}

// knownAtom looks the atom with UTF-8 text p up in the connection's
// table and in the common atoms, without allocating.
func (d *decoder) knownAtom(p []byte) (term.Term, bool) {
	if d.atoms != nil {
		if a, ok := d.atoms.lookup(p); ok {
			return a, true
		}
	}
	a, ok := commonAtoms()[string(p)]
	if ok && d.atoms != nil {
		// Remember it, so that the next lookup is one, not two.
		d.atoms.put(a)
	}
	return a, ok
}

func (d *decoder) newAtom(p []byte) term.Term {
	a := term.Atom(p)
	if d.atoms != nil {
		return d.atoms.add(a)
	}
	return a
}

// latin1Atom interns the atom with Latin-1 text p (at most 255 bytes,
// not all ASCII): OTP 25 sends atoms as SMALL_ATOM_EXT whenever they fit
// Latin-1. It is looked up by its UTF-8 text, made on the stack.
func (d *decoder) latin1Atom(p []byte) term.Term {
	var utf [2*maxAtomChars + 1]byte
	q := utf[:putLatin1(utf[:], p)]
	if a, ok := d.knownAtom(q); ok {
		return a
	}
	return d.newAtom(q)
}

func isASCII(p []byte) bool {
	for len(p) >= 8 {
		if binary.LittleEndian.Uint64(p)&0x8080808080808080 != 0 {
			return false
		}
		p = p[8:]
	}
	for _, c := range p {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func (d *decoder) newFloat(start int) (term.Term, error) {
	if !d.has(8) {
		return nil, d.short(start, TagNewFloat, 8)
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(d.b[d.pos:]))
	d.pos += 8
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, d.fail(start, TagNewFloat, ErrInvalid, "%v is not an Erlang float", f)
	}
	return term.Float(f), nil
}

// oldFloat decodes FLOAT_EXT: 31 bytes of "%.20e" text, NUL padded.
func (d *decoder) oldFloat(start int) (term.Term, error) {
	if !d.has(31) {
		return nil, d.short(start, TagFloat, 31)
	}
	p := d.b[d.pos : d.pos+31]
	d.pos += 31
	if i := indexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	s := strings.TrimSpace(string(p))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(s, "xXnNiIpP_") {
		return nil, d.fail(start, TagFloat, ErrInvalid, "%q is not a float", s)
	}
	return term.Float(f), nil
}

func indexByte(p []byte, c byte) int {
	for i, x := range p {
		if x == c {
			return i
		}
	}
	return -1
}

// big decodes SMALL_BIG_EXT and LARGE_BIG_EXT (little-endian digits),
// normalising to term.Int when the value fits in int64.
func (d *decoder) big(start int, tag byte) (term.Term, error) {
	var n int
	if tag == TagSmallBig {
		if !d.has(2) {
			return nil, d.short(start, tag, 2)
		}
		n = int(d.b[d.pos])
		d.pos++
	} else {
		if !d.has(5) {
			return nil, d.short(start, tag, 5)
		}
		n = int(d.u32())
	}
	neg := d.b[d.pos] != 0
	d.pos++
	if !d.has(n) {
		return nil, d.short(start, tag, n)
	}
	digits := d.b[d.pos : d.pos+n]
	d.pos += n
	// Leading (most significant) zero digits carry no value.
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	if len(digits) <= 8 {
		var u uint64
		for i := len(digits) - 1; i >= 0; i-- {
			u = u<<8 | uint64(digits[i])
		}
		switch {
		case !neg && u <= math.MaxInt64:
			return term.Int(u), nil
		case neg && u <= 1<<63:
			return term.Int(-int64(u)), nil // -(1<<63) wraps to MinInt64 as intended
		}
	}
	const wb = 32 << (^big.Word(0) >> 63) / 8 // bytes per big.Word
	words := make([]big.Word, (len(digits)+wb-1)/wb)
	full := len(digits) / wb
	for i := range full {
		// Digits are little-endian bytes, as big.Word halves are.
		if wb == 8 {
			words[i] = big.Word(binary.LittleEndian.Uint64(digits[8*i:]))
		} else {
			words[i] = big.Word(binary.LittleEndian.Uint32(digits[wb*i:]))
		}
	}
	for i, c := range digits[full*wb:] {
		words[full] |= big.Word(c) << (8 * i)
	}
	v := new(big.Int).SetBits(words)
	if neg {
		v.Neg(v)
	}
	return term.BigInt{V: v}, nil
}

func (d *decoder) smallInt(start int, tag byte, what string) (int64, error) {
	at := d.pos
	if at >= len(d.b) {
		return 0, d.fail(start, tag, ErrTruncated, "input ends before the %s", what)
	}
	switch d.b[at] {
	case TagSmallInteger:
		if !d.has(2) {
			return 0, d.short(at, TagSmallInteger, 1)
		}
		d.pos += 2
		return int64(d.b[at+1]), nil
	case TagInteger:
		if !d.has(5) {
			return 0, d.short(at, TagInteger, 4)
		}
		d.pos++
		return int64(int32(d.u32())), nil
	}
	return 0, d.fail(at, d.b[at], ErrInvalid, "the %s of a %s must be SMALL_INTEGER_EXT or INTEGER_EXT", what, TagName(tag))
}

// pid decodes NEW_PID_EXT and PID_EXT (whose creation is one byte).
func (d *decoder) pid(start int, tag byte) (term.Term, error) {
	p, err := d.pidBody(start, tag)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (d *decoder) pidBody(start int, tag byte) (term.Pid, error) {
	node, err := d.atom()
	if err != nil {
		return term.Pid{}, err
	}
	need := 12
	if tag == TagPid {
		need = 9
	}
	if !d.has(need) {
		return term.Pid{}, d.short(start, tag, need)
	}
	p := term.Pid{Node: node, ID: d.u32(), Serial: d.u32()}
	if tag == TagPid {
		p.Creation = uint32(d.b[d.pos])
		d.pos++
	} else {
		p.Creation = d.u32()
	}
	return p, nil
}

// port decodes V4_PORT_EXT (64-bit id), NEW_PORT_EXT and PORT_EXT.
func (d *decoder) port(start int, tag byte) (term.Term, error) {
	node, err := d.atom()
	if err != nil {
		return nil, err
	}
	need := 5
	switch tag {
	case TagV4Port:
		need = 12
	case TagNewPort:
		need = 8
	}
	if !d.has(need) {
		return nil, d.short(start, tag, need)
	}
	p := term.Port{Node: node}
	switch tag {
	case TagV4Port:
		p.ID = binary.BigEndian.Uint64(d.b[d.pos:])
		d.pos += 8
		p.Creation = d.u32()
	case TagNewPort:
		p.ID = uint64(d.u32())
		p.Creation = d.u32()
	default:
		p.ID = uint64(d.u32())
		p.Creation = uint32(d.b[d.pos])
		d.pos++
	}
	return p, nil
}

// ref decodes NEWER_REFERENCE_EXT, NEW_REFERENCE_EXT and REFERENCE_EXT.
func (d *decoder) ref(start int, tag byte) (term.Term, error) {
	n := 1
	if tag != TagReference {
		if !d.has(2) {
			return nil, d.short(start, tag, 2)
		}
		n = d.u16()
		if n < 1 || n > term.MaxRefWords {
			return nil, d.fail(start, tag, ErrInvalid, "reference of %d words; 1..%d allowed", n, term.MaxRefWords)
		}
	}
	node, err := d.atom()
	if err != nil {
		return nil, err
	}
	r := term.Ref{Node: node, Len: uint8(n)}
	creation := 4
	if tag != TagNewerReference {
		creation = 1
	}
	if !d.has(creation + 4*n) {
		return nil, d.short(start, tag, creation+4*n)
	}
	if tag == TagReference {
		r.Words[0] = d.u32()
		r.Creation = uint32(d.b[d.pos])
		d.pos++
		return r, nil
	}
	if creation == 4 {
		r.Creation = d.u32()
	} else {
		r.Creation = uint32(d.b[d.pos])
		d.pos++
	}
	for i := range n {
		r.Words[i] = d.u32()
	}
	return r, nil
}

// newFun decodes NEW_FUN_EXT: Size(4) Arity(1) Uniq(16) Index(4)
// NumFree(4) Module OldIndex OldUniq Pid FreeVars. Size is not trusted;
// the fields are parsed on their own.
func (d *decoder) newFun(start int) (term.Term, error) {
	const fixed = 4 + 1 + 16 + 4 + 4
	if !d.has(fixed) {
		return nil, d.short(start, TagNewFun, fixed)
	}
	d.pos += 4
	f := &term.Fun{Arity: d.b[d.pos]}
	d.pos++
	copy(f.Uniq[:], d.b[d.pos:d.pos+16])
	d.pos += 16
	f.Index = d.u32()
	numFree, err := d.count(start, TagNewFun, 1)
	if err != nil {
		return nil, err
	}
	if f.Module, err = d.atom(); err != nil {
		return nil, err
	}
	if err := d.funTail(start, TagNewFun, f, numFree); err != nil {
		return nil, err
	}
	return f, nil
}

// funTail decodes OldIndex, OldUniq, Pid and the free variables.
func (d *decoder) funTail(start int, tag byte, f *term.Fun, numFree int) error {
	oi, err := d.smallInt(start, tag, "OldIndex")
	if err != nil {
		return err
	}
	ou, err := d.smallInt(start, tag, "OldUniq")
	if err != nil {
		return err
	}
	f.OldIndex, f.OldUniq = int32(oi), int32(ou)
	if tag == TagNewFun {
		if f.Pid, err = d.creatorPid(start, tag); err != nil {
			return err
		}
	}
	if err := d.enter(start, tag); err != nil {
		return err
	}
	if numFree > 0 {
		f.Free = make([]term.Term, numFree)
		for i := range f.Free {
			if f.Free[i], err = d.term(); err != nil {
				return err
			}
		}
	}
	d.depth++
	return nil
}

func (d *decoder) creatorPid(start int, tag byte) (term.Pid, error) {
	at := d.pos
	if at >= len(d.b) {
		return term.Pid{}, d.fail(start, tag, ErrTruncated, "input ends before the creator pid")
	}
	pt := d.b[at]
	if pt != TagNewPid && pt != TagPid {
		return term.Pid{}, d.fail(at, pt, ErrInvalid, "the creator of a %s must be a pid", TagName(tag))
	}
	d.pos++
	return d.pidBody(at, pt)
}

// oldFun decodes FUN_EXT (NumFree Pid Module Index Uniq FreeVars), which
// OTP stopped producing in OTP 23. It becomes a term.Fun with OldIndex
// and OldUniq set; arity, Index and the 16-byte Uniq are unknown (zero),
// so re-encoding gives a NEW_FUN_EXT that only the originating node
// could resolve.
func (d *decoder) oldFun(start int) (term.Term, error) {
	numFree, err := d.count(start, TagFun, 1)
	if err != nil {
		return nil, err
	}
	f := &term.Fun{}
	if f.Pid, err = d.creatorPid(start, TagFun); err != nil {
		return nil, err
	}
	if f.Module, err = d.atom(); err != nil {
		return nil, err
	}
	if err := d.funTail(start, TagFun, f, numFree); err != nil {
		return nil, err
	}
	f.Index = uint32(f.OldIndex)
	return f, nil
}

// export decodes EXPORT_EXT: Module Function Arity(SMALL_INTEGER_EXT).
func (d *decoder) export(start int) (term.Term, error) {
	m, err := d.atom()
	if err != nil {
		return nil, err
	}
	f, err := d.atom()
	if err != nil {
		return nil, err
	}
	a, err := d.smallInt(start, TagExport, "arity")
	if err != nil {
		return nil, err
	}
	if a < 0 || a > 255 {
		return nil, d.fail(start, TagExport, ErrInvalid, "arity %d", a)
	}
	return term.ExportFun{Module: m, Function: f, Arity: uint8(a)}, nil
}
