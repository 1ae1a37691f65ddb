package etf

import (
	"encoding/binary"
	"math/bits"

	"github.com/avmsh/avmsh/vm/term"
)

// Default limits for decoding untrusted input.
const (
	// DefaultMaxSize bounds the uncompressed size of a compressed term
	// and the size of one term read by a streaming Decoder: 64 MiB.
	DefaultMaxSize = 64 << 20
	// DefaultMaxDepth bounds how deeply terms may nest (a tuple inside a
	// list inside a map counts 3). List tails do not count: a long chain
	// of LIST_EXT tails is decoded iteratively.
	DefaultMaxDepth = 10_000
	// DefaultAtomTableSize is the number of distinct atoms an AtomTable
	// made with NewAtomTable(0) remembers before it starts over.
	DefaultAtomTableSize = 4096
)

// DecodeOptions configure decoding. The zero value (or a nil pointer)
// decodes with the default limits, copies binaries and rejects
// ATOM_CACHE_REF.
type DecodeOptions struct {
	// AtomCache resolves ATOM_CACHE_REF (tag 82) indexes: element i is
	// the atom of AtomCacheReferenceIndex i in the distribution header
	// that precedes the terms (erl_ext_dist, "Distribution Header"). The
	// distribution layer fills it per packet. Nil makes ATOM_CACHE_REF an
	// error.
	AtomCache []term.Atom
	// Atoms interns atom text so that repeated atoms do not allocate.
	// Reuse one table per connection (it is not safe for concurrent
	// use). Nil uses only a built-in read-only table of common atoms.
	Atoms *AtomTable
	// ShareBinaries makes decoded binaries and bitstrings sub-slices of
	// the input instead of copies. Only set it when the input buffer is
	// not reused while the terms are alive.
	ShareBinaries bool
	// MaxSize bounds the declared uncompressed size of a compressed term
	// (checked before inflating) and the size of one term read by a
	// Decoder. 0 means DefaultMaxSize.
	MaxSize int
	// MaxDepth bounds nesting. 0 means DefaultMaxDepth.
	MaxDepth int
}

func (o *DecodeOptions) maxSize() int {
	if o == nil || o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

func (o *DecodeOptions) maxDepth() int {
	if o == nil || o.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return o.MaxDepth
}

// Profile selects which tags the encoder may emit.
type Profile uint8

const (
	// ProfileBEAM is the modern OTP encoding: NEW_FLOAT_EXT,
	// SMALL_ATOM_UTF8_EXT/ATOM_UTF8_EXT, NEW_PID_EXT, V4_PORT_EXT,
	// NEWER_REFERENCE_EXT, MAP_EXT, STRING_EXT for byte lists of up to
	// 65535 elements, SMALL_BIG_EXT/LARGE_BIG_EXT, BIT_BINARY_EXT,
	// NEW_FUN_EXT and EXPORT_EXT.
	ProfileBEAM Profile = iota
	// ProfileAtomVM emits only what AtomVM's decoder accepts
	// (atomvm-dist spec §2.6–2.7): never SMALL_ATOM_EXT, BIT_BINARY_EXT,
	// NEW_PORT_EXT, FLOAT_EXT, LARGE_BIG_EXT, LOCAL_EXT, ATOM_CACHE_REF,
	// compressed terms, REFERENCE_EXT, NEW_REFERENCE_EXT, PID_EXT or
	// PORT_EXT; integers of at most 256 bits of magnitude; atoms of at
	// most 255 bytes of valid UTF-8, always as SMALL_ATOM_UTF8_EXT.
	// A term it cannot represent is an *EncodeError, never bytes the peer
	// would choke on.
	ProfileAtomVM
)

func (p Profile) String() string {
	if p == ProfileAtomVM {
		return "AtomVM"
	}
	return "BEAM"
}

// EncodeOptions configure encoding. The zero value (or a nil pointer)
// is the uncompressed ProfileBEAM encoding.
type EncodeOptions struct {
	// Profile selects the tag set; see ProfileBEAM and ProfileAtomVM.
	Profile Profile
	// Compress zlib-compresses the term (tag 80) when that makes it
	// smaller, as term_to_binary(T, [compressed]) does. It applies to
	// AppendTerm, Marshal and Encoder, not to AppendBody (a term after a
	// distribution header cannot be compressed). ProfileAtomVM refuses
	// it.
	Compress bool
	// CompressionLevel is the zlib level 1..9; 0 means 6, OTP's default.
	CompressionLevel int
	// AtomCacheRef, when set (ProfileBEAM only), is asked for every atom:
	// it returns the atom's AtomCacheReferenceIndex (0..254) in the
	// distribution header being built, or ok=false to encode the atom
	// inline. The distribution layer uses it to maintain its outgoing
	// atom cache with a BEAM peer.
	AtomCacheRef func(a term.Atom) (index int, ok bool)
	// MaxDepth bounds nesting (and so catches cyclic Go values). 0 means
	// DefaultMaxDepth.
	MaxDepth int
}

// AtomTable interns atom text for a decoder: looking up a known atom by
// its bytes does not allocate. It holds at most a fixed number of atoms
// and starts over when full, so a peer sending endless fresh atoms cannot
// grow it without bound. It is not safe for concurrent use; keep one per
// connection or per goroutine.
type AtomTable struct {
	// m maps atom text to the atom already converted to a term.Term, so
	// that returning it as a Term does not allocate either.
	m   map[string]term.Term
	max int
	// recent is a direct-mapped cache in front of m: the atoms of a
	// stream repeat, and comparing one string is cheaper than hashing it
	// and probing the map (8-13% of decoding OTP's encodings).
	recent [256]term.Term
}

// slot returns the recent entry for atom text p, chosen by its length
// and its first and last (up to) eight bytes.
func (t *AtomTable) slot(p []byte) *term.Term {
	n := len(p)
	var x uint64
	switch {
	case n >= 8:
		x = binary.LittleEndian.Uint64(p) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(p[n-8:]), 29)
	case n >= 4:
		x = uint64(binary.LittleEndian.Uint32(p)) | uint64(binary.LittleEndian.Uint32(p[n-4:]))<<32
	case n > 0:
		x = uint64(p[0]) | uint64(p[n/2])<<8 | uint64(p[n-1])<<16
	}
	x = (x ^ uint64(n)) * 0x9E3779B97F4A7C15
	return &t.recent[x>>(64-8)]
}

// lookup returns the atom with text p if the table holds it.
func (t *AtomTable) lookup(p []byte) (term.Term, bool) {
	s := t.slot(p)
	if a, ok := (*s).(term.Atom); ok && string(a) == string(p) {
		return *s, true
	}
	a, ok := t.m[string(p)]
	if ok {
		*s = a
	}
	return a, ok
}

// NewAtomTable returns a table that remembers up to max atoms
// (0 means DefaultAtomTableSize).
func NewAtomTable(max int) *AtomTable {
	if max <= 0 {
		max = DefaultAtomTableSize
	}
	return &AtomTable{m: make(map[string]term.Term, 64), max: max}
}

// Len returns the number of atoms the table holds.
func (t *AtomTable) Len() int { return len(t.m) }

func (t *AtomTable) add(a term.Atom) term.Term {
	var boxed term.Term = a
	t.put(boxed)
	return boxed
}

// put remembers boxed, an Atom, starting over when the table is full.
func (t *AtomTable) put(boxed term.Term) {
	if len(t.m) >= t.max {
		clear(t.m)
		clear(t.recent[:])
	}
	a := boxed.(term.Atom)
	t.m[string(a)] = boxed
	*t.slot([]byte(a)) = boxed
}

// commonAtoms is read-only after package initialisation: atoms that
// appear in almost every distribution message.
var commonAtoms = func() map[string]term.Term {
	names := []string{
		"", "true", "false", "ok", "error", "undefined", "nil", "infinity", "normal",
		"noproc", "noconnection", "killed", "shutdown", "badarg", "badarith", "badmatch",
		"function_clause", "case_clause", "if_clause", "undef", "timeout", "EXIT", "DOWN",
		"process", "port", "call", "cast", "reply", "request", "io_request", "io_reply",
		"put_chars", "get_line", "get_chars", "get_until", "unicode", "latin1", "eof",
		"nonode@nohost", "net_kernel", "rex", "erpc", "erlang", "lists", "maps", "io",
		"gen_server", "$gen_call", "$gen_cast", "is_auth", "yes", "no", "nodedown", "nodeup",
		"monitor", "link", "alias", "exit", "throw", "spawn_request", "spawn_reply", "apply",
		"init", "code_server", "user", "application_controller", "return", "value", "x", "a", "b",
	}
	m := make(map[string]term.Term, len(names))
	for _, n := range names {
		m[n] = term.Atom(n)
	}
	return m
}()

// smallInts holds the integers 0..255 already converted to term.Term;
// read-only after package initialisation.
var smallInts = func() (t [256]term.Term) {
	for i := range t {
		t[i] = term.Int(i)
	}
	return t
}()
