package term

import (
	"math/big"
)

// Term is any Erlang term. The set of implementations is closed: only the
// types of this package implement it, so a type switch over them is
// exhaustive.
type Term interface {
	// kind returns the term's class in Erlang's term order.
	kind() Kind
}

// Kind is the class of a term, numbered in Erlang's term order:
// number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring.
type Kind uint8

// Kinds in Erlang's term order.
const (
	KindNumber Kind = iota
	KindAtom
	KindRef
	KindFun
	KindPort
	KindPid
	KindTuple
	KindMap
	KindNil
	KindList
	KindBitstring
	// KindLocal is an opaque LOCAL_EXT term. Erlang orders it by what it
	// encodes; we cannot know that, so it sorts after everything else.
	KindLocal
)

var kindNames = [...]string{"number", "atom", "reference", "fun", "port", "pid", "tuple", "map", "nil", "list", "bitstring", "local"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// KindOf returns the class of t in Erlang's term order. A nil Term is
// reported as KindNil.
func KindOf(t Term) Kind {
	if t == nil {
		return KindNil
	}
	return t.kind()
}

// Atom is an Erlang atom. The text is UTF-8; Erlang limits atoms to 255
// characters.
type Atom string

// Common atoms.
const (
	True      Atom = "true"
	False     Atom = "false"
	Undefined Atom = "undefined"
	OK        Atom = "ok"
	Error     Atom = "error"
)

// Bool returns the atom true or false.
func Bool(b bool) Atom {
	if b {
		return True
	}
	return False
}

// Int is an integer that fits in 64 bits. Integers outside that range are
// BigInt; use Integer or BigInteger to build a normalised value, so that
// every integer has exactly one representation.
type Int int64

// BigInt is an integer that does NOT fit in int64. V is never nil and is
// never modified after construction; build one with BigInteger, which
// normalises to Int when the value fits.
type BigInt struct{ V *big.Int }

// Float is an Erlang float (IEEE 754 double; Erlang has no NaN or infinity).
type Float float64

// Binary is a binary: a bitstring whose length is a whole number of bytes.
type Binary []byte

// Bitstring is a bitstring whose length is not a whole number of bytes.
// Data holds the bits; in the last byte only the Bits most significant bits
// are used (1..7) and the rest are zero. Build one with NewBitstring, which
// normalises a whole-byte value to Binary.
type Bitstring struct {
	Data []byte
	Bits uint8
}

// List is a proper list. The empty list (nil, `[]`) is a List of length 0;
// use Nil for clarity. A proper list may also be a Chars (its compact
// form): read lists with AsList, ListLen, ListParts, Uncons or ListElems,
// never with a bare t.(List) assertion.
type List []Term

// Nil is the empty list `[]`.
var Nil = List(nil)

// ImproperList is a list whose final tail is not a list: [E1, ..., En | Tail].
// Elems is never empty and Tail is never a List or Chars; build one
// with Cons, which normalises.
type ImproperList struct {
	Elems []Term
	Tail  Term
}

// Tuple is an Erlang tuple.
type Tuple []Term

// Pid is a process identifier. It is a comparable value usable as a Go map
// key. ID and Serial are the two numbers shown as <X.ID.Serial>.
type Pid struct {
	Node     Atom
	ID       uint32
	Serial   uint32
	Creation uint32
}

// Port is a port identifier; a comparable value.
type Port struct {
	Node     Atom
	ID       uint64
	Creation uint32
}

// MaxRefWords is the largest number of 32-bit words in a reference.
const MaxRefWords = 5

// Ref is a reference; a comparable value. Only the first Len words (1..5)
// of Words are meaningful; the rest are zero.
type Ref struct {
	Node     Atom
	Creation uint32
	Len      uint8
	Words    [MaxRefWords]uint32
}

// Fun is a local fun (NEW_FUN_EXT). Local carries an implementation private
// to a Go evaluator (a shell closure); it is never encoded and two funs with
// different Local values are different.
type Fun struct {
	Module   Atom
	Arity    uint8
	Uniq     [16]byte
	Index    uint32
	OldIndex int32
	OldUniq  int32
	Pid      Pid
	Free     []Term
	Local    any
}

// ExportFun is an external fun `fun M:F/A` (EXPORT_EXT).
type ExportFun struct {
	Module   Atom
	Function Atom
	Arity    uint8
}

// LocalExt is an opaque LOCAL_EXT (tag 121) term produced by a node for
// its own use. Bytes is the complete encoding from the tag on, so it can
// be sent back unchanged. Only the node that made it can interpret it.
type LocalExt struct{ Bytes string }

func (Atom) kind() Kind         { return KindAtom }
func (Int) kind() Kind          { return KindNumber }
func (BigInt) kind() Kind       { return KindNumber }
func (Float) kind() Kind        { return KindNumber }
func (Binary) kind() Kind       { return KindBitstring }
func (Bitstring) kind() Kind    { return KindBitstring }
func (ImproperList) kind() Kind { return KindList }
func (Tuple) kind() Kind        { return KindTuple }
func (Map) kind() Kind          { return KindMap }
func (Pid) kind() Kind          { return KindPid }
func (Port) kind() Kind         { return KindPort }
func (Ref) kind() Kind          { return KindRef }
func (*Fun) kind() Kind         { return KindFun }
func (ExportFun) kind() Kind    { return KindFun }
func (LocalExt) kind() Kind     { return KindLocal }

func (l List) kind() Kind {
	if len(l) == 0 {
		return KindNil
	}
	return KindList
}

// NewBitstring returns data with only bits bits used in the last byte as
// a term, normalising whole-byte values (bits == 0 or 8) to Binary and
// clearing unused low bits. bits must be in 0..8.
func NewBitstring(data []byte, bits uint8) Term {
	if len(data) == 0 || bits == 0 || bits >= 8 {
		return Binary(data)
	}
	last := data[len(data)-1]
	mask := byte(0xFF << (8 - bits))
	if last&^mask != 0 {
		cp := append([]byte(nil), data...)
		cp[len(cp)-1] = last & mask
		data = cp
	}
	return Bitstring{Data: data, Bits: bits}
}

// BitSize returns the number of bits in a Binary or Bitstring.
func (b Bitstring) BitSize() int { return (len(b.Data)-1)*8 + int(b.Bits) }

// Cons returns [elems... | tail], normalising: a List or Chars tail
// is appended (giving a proper List), an ImproperList tail is flattened. With no elems
// it returns tail itself.
func Cons(elems []Term, tail Term) Term {
	if len(elems) == 0 {
		if tail == nil {
			return Nil
		}
		return tail
	}
	switch t := tail.(type) {
	case nil:
		return List(elems)
	case List:
		if len(t) == 0 {
			return List(elems)
		}
		out := make(List, 0, len(elems)+len(t))
		return append(append(out, elems...), t...)
	case Chars:
		out := make(List, len(elems), len(elems)+len(t))
		copy(out, elems)
		for _, r := range string(t) {
			out = append(out, Int(r))
		}
		return out
	case ImproperList:
		out := make([]Term, 0, len(elems)+len(t.Elems))
		out = append(append(out, elems...), t.Elems...)
		return ImproperList{Elems: out, Tail: t.Tail}
	default:
		return ImproperList{Elems: elems, Tail: tail}
	}
}

// NewPid returns a pid.
func NewPid(node Atom, id, serial, creation uint32) Pid {
	return Pid{Node: node, ID: id, Serial: serial, Creation: creation}
}

// NewRef returns a reference with the given words (1..5 of them; extra
// words are ignored, none gives a one-word zero reference).
func NewRef(node Atom, creation uint32, words ...uint32) Ref {
	r := Ref{Node: node, Creation: creation}
	n := min(len(words), MaxRefWords)
	copy(r.Words[:], words[:n])
	if n == 0 {
		n = 1
	}
	r.Len = uint8(n)
	return r
}

// IDs returns the meaningful words of r.
func (r Ref) IDs() []uint32 {
	n := int(r.Len)
	if n < 1 || n > MaxRefWords {
		n = MaxRefWords
	}
	return r.Words[:n]
}

// String builds the Erlang string (a list of character codes) for s.
func String(s string) List {
	if s == "" {
		return Nil
	}
	out := make(List, 0, len(s))
	for _, r := range s {
		out = append(out, Int(r))
	}
	return out
}

// CharList reports whether t is a proper list of Unicode code points
// (a List or Chars), returning it as a UTF-8 Go string if so.
func CharList(t Term) (string, bool) {
	var l List
	switch v := t.(type) {
	case List:
		l = v
	case Chars:
		return string(v), true // valid UTF-8 by construction
	default:
		return "", false
	}
	buf := make([]rune, 0, len(l))
	for _, e := range l {
		i, ok := e.(Int)
		if !ok || i < 0 || i > 0x10FFFF || (i >= 0xD800 && i <= 0xDFFF) {
			return "", false
		}
		buf = append(buf, rune(i))
	}
	return string(buf), true
}
