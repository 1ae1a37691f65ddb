package etf

import (
	"encoding/binary"
	"math/bits"
	"sync"

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

// commonAtoms are atoms that appear in almost every distribution
// message, already boxed; read-only once built (on the first decode, not
// at program start).
var commonAtoms = sync.OnceValue(func() map[string]term.Term {
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
})

// smallInts holds the integers 0..255 already converted to term.Term;
// read-only. Written out so that the linker lays it out instead of a
// loop filling it when the program starts (TestSmallInts checks it).
var smallInts = [256]term.Term{
	term.Int(0), term.Int(1), term.Int(2), term.Int(3), term.Int(4), term.Int(5), term.Int(6), term.Int(7),
	term.Int(8), term.Int(9), term.Int(10), term.Int(11), term.Int(12), term.Int(13), term.Int(14), term.Int(15),
	term.Int(16), term.Int(17), term.Int(18), term.Int(19), term.Int(20), term.Int(21), term.Int(22), term.Int(23),
	term.Int(24), term.Int(25), term.Int(26), term.Int(27), term.Int(28), term.Int(29), term.Int(30), term.Int(31),
	term.Int(32), term.Int(33), term.Int(34), term.Int(35), term.Int(36), term.Int(37), term.Int(38), term.Int(39),
	term.Int(40), term.Int(41), term.Int(42), term.Int(43), term.Int(44), term.Int(45), term.Int(46), term.Int(47),
	term.Int(48), term.Int(49), term.Int(50), term.Int(51), term.Int(52), term.Int(53), term.Int(54), term.Int(55),
	term.Int(56), term.Int(57), term.Int(58), term.Int(59), term.Int(60), term.Int(61), term.Int(62), term.Int(63),
	term.Int(64), term.Int(65), term.Int(66), term.Int(67), term.Int(68), term.Int(69), term.Int(70), term.Int(71),
	term.Int(72), term.Int(73), term.Int(74), term.Int(75), term.Int(76), term.Int(77), term.Int(78), term.Int(79),
	term.Int(80), term.Int(81), term.Int(82), term.Int(83), term.Int(84), term.Int(85), term.Int(86), term.Int(87),
	term.Int(88), term.Int(89), term.Int(90), term.Int(91), term.Int(92), term.Int(93), term.Int(94), term.Int(95),
	term.Int(96), term.Int(97), term.Int(98), term.Int(99), term.Int(100), term.Int(101), term.Int(102), term.Int(103),
	term.Int(104), term.Int(105), term.Int(106), term.Int(107), term.Int(108), term.Int(109), term.Int(110), term.Int(111),
	term.Int(112), term.Int(113), term.Int(114), term.Int(115), term.Int(116), term.Int(117), term.Int(118), term.Int(119),
	term.Int(120), term.Int(121), term.Int(122), term.Int(123), term.Int(124), term.Int(125), term.Int(126), term.Int(127),
	term.Int(128), term.Int(129), term.Int(130), term.Int(131), term.Int(132), term.Int(133), term.Int(134), term.Int(135),
	term.Int(136), term.Int(137), term.Int(138), term.Int(139), term.Int(140), term.Int(141), term.Int(142), term.Int(143),
	term.Int(144), term.Int(145), term.Int(146), term.Int(147), term.Int(148), term.Int(149), term.Int(150), term.Int(151),
	term.Int(152), term.Int(153), term.Int(154), term.Int(155), term.Int(156), term.Int(157), term.Int(158), term.Int(159),
	term.Int(160), term.Int(161), term.Int(162), term.Int(163), term.Int(164), term.Int(165), term.Int(166), term.Int(167),
	term.Int(168), term.Int(169), term.Int(170), term.Int(171), term.Int(172), term.Int(173), term.Int(174), term.Int(175),
	term.Int(176), term.Int(177), term.Int(178), term.Int(179), term.Int(180), term.Int(181), term.Int(182), term.Int(183),
	term.Int(184), term.Int(185), term.Int(186), term.Int(187), term.Int(188), term.Int(189), term.Int(190), term.Int(191),
	term.Int(192), term.Int(193), term.Int(194), term.Int(195), term.Int(196), term.Int(197), term.Int(198), term.Int(199),
	term.Int(200), term.Int(201), term.Int(202), term.Int(203), term.Int(204), term.Int(205), term.Int(206), term.Int(207),
	term.Int(208), term.Int(209), term.Int(210), term.Int(211), term.Int(212), term.Int(213), term.Int(214), term.Int(215),
	term.Int(216), term.Int(217), term.Int(218), term.Int(219), term.Int(220), term.Int(221), term.Int(222), term.Int(223),
	term.Int(224), term.Int(225), term.Int(226), term.Int(227), term.Int(228), term.Int(229), term.Int(230), term.Int(231),
	term.Int(232), term.Int(233), term.Int(234), term.Int(235), term.Int(236), term.Int(237), term.Int(238), term.Int(239),
	term.Int(240), term.Int(241), term.Int(242), term.Int(243), term.Int(244), term.Int(245), term.Int(246), term.Int(247),
	term.Int(248), term.Int(249), term.Int(250), term.Int(251), term.Int(252), term.Int(253), term.Int(254), term.Int(255),
}
