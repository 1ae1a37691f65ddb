package etf

import "strconv"

// Version is the version magic that starts every term in the external
// term format (erl_ext_dist, "Introduction").
const Version = 131

// Tags of the external term format, named as in erl_ext_dist.
const (
	TagNewFloat       = 70  // NEW_FLOAT_EXT: IEEE 754 double, big-endian
	TagBitBinary      = 77  // BIT_BINARY_EXT: Len(4) Bits(1) Data
	TagCompressed     = 80  // compressed term: UncompressedSize(4) zlib data
	TagAtomCacheRef   = 82  // ATOM_CACHE_REF: index into the distribution header
	TagNewPid         = 88  // NEW_PID_EXT: Node ID(4) Serial(4) Creation(4)
	TagNewPort        = 89  // NEW_PORT_EXT: Node ID(4) Creation(4)
	TagNewerReference = 90  // NEWER_REFERENCE_EXT: Len(2) Node Creation(4) ID(4*Len)
	TagSmallInteger   = 97  // SMALL_INTEGER_EXT: uint8
	TagInteger        = 98  // INTEGER_EXT: int32
	TagFloat          = 99  // FLOAT_EXT: 31-byte "%.20e" string
	TagAtom           = 100 // ATOM_EXT: Len(2) Latin-1 text
	TagReference      = 101 // REFERENCE_EXT: Node ID(4) Creation(1)
	TagPort           = 102 // PORT_EXT: Node ID(4) Creation(1)
	TagPid            = 103 // PID_EXT: Node ID(4) Serial(4) Creation(1)
	TagSmallTuple     = 104 // SMALL_TUPLE_EXT: Arity(1) Elements
	TagLargeTuple     = 105 // LARGE_TUPLE_EXT: Arity(4) Elements
	TagNil            = 106 // NIL_EXT: []
	TagString         = 107 // STRING_EXT: Len(2) bytes, a list of small integers
	TagList           = 108 // LIST_EXT: Len(4) Elements Tail
	TagBinary         = 109 // BINARY_EXT: Len(4) Data
	TagSmallBig       = 110 // SMALL_BIG_EXT: n(1) Sign(1) little-endian digits
	TagLargeBig       = 111 // LARGE_BIG_EXT: n(4) Sign(1) little-endian digits
	TagNewFun         = 112 // NEW_FUN_EXT
	TagExport         = 113 // EXPORT_EXT: Module Function Arity
	TagNewReference   = 114 // NEW_REFERENCE_EXT: Len(2) Node Creation(1) ID(4*Len)
	TagSmallAtom      = 115 // SMALL_ATOM_EXT: Len(1) Latin-1 text
	TagMap            = 116 // MAP_EXT: Arity(4) K1 V1 ... Kn Vn
	TagFun            = 117 // FUN_EXT (pre-OTP 23 local fun)
	TagAtomUTF8       = 118 // ATOM_UTF8_EXT: Len(2) UTF-8 text
	TagSmallAtomUTF8  = 119 // SMALL_ATOM_UTF8_EXT: Len(1) UTF-8 text
	TagV4Port         = 120 // V4_PORT_EXT: Node ID(8) Creation(4)
	TagLocal          = 121 // LOCAL_EXT: node-private encoding to the end of the term
)

// tagNames is an array, not a map: it is laid out by the linker instead
// of being built when the program starts.
var tagNames = [256]string{
	TagNewFloat: "NEW_FLOAT_EXT", TagBitBinary: "BIT_BINARY_EXT", TagCompressed: "COMPRESSED",
	TagAtomCacheRef: "ATOM_CACHE_REF", TagNewPid: "NEW_PID_EXT", TagNewPort: "NEW_PORT_EXT",
	TagNewerReference: "NEWER_REFERENCE_EXT", TagSmallInteger: "SMALL_INTEGER_EXT",
	TagInteger: "INTEGER_EXT", TagFloat: "FLOAT_EXT", TagAtom: "ATOM_EXT",
	TagReference: "REFERENCE_EXT", TagPort: "PORT_EXT", TagPid: "PID_EXT",
	TagSmallTuple: "SMALL_TUPLE_EXT", TagLargeTuple: "LARGE_TUPLE_EXT", TagNil: "NIL_EXT",
	TagString: "STRING_EXT", TagList: "LIST_EXT", TagBinary: "BINARY_EXT",
	TagSmallBig: "SMALL_BIG_EXT", TagLargeBig: "LARGE_BIG_EXT", TagNewFun: "NEW_FUN_EXT",
	TagExport: "EXPORT_EXT", TagNewReference: "NEW_REFERENCE_EXT", TagSmallAtom: "SMALL_ATOM_EXT",
	TagMap: "MAP_EXT", TagFun: "FUN_EXT", TagAtomUTF8: "ATOM_UTF8_EXT",
	TagSmallAtomUTF8: "SMALL_ATOM_UTF8_EXT", TagV4Port: "V4_PORT_EXT", TagLocal: "LOCAL_EXT",
	Version: "VERSION_MAGIC",
}

// TagName returns the erl_ext_dist name of a tag byte, such as
// "SMALL_TUPLE_EXT (104)", or "unknown tag N".
func TagName(tag byte) string {
	if n := tagNames[tag]; n != "" {
		return n + " (" + strconv.Itoa(int(tag)) + ")"
	}
	return "unknown tag " + strconv.Itoa(int(tag))
}

// atomVMTags is the set of tags AtomVM's decoder accepts
// (atomvm-dist spec §2.7).
var atomVMTags = [256]bool{
	TagNewFloat: true, TagSmallInteger: true, TagInteger: true, TagSmallBig: true,
	TagAtom: true, TagAtomUTF8: true, TagSmallAtomUTF8: true, TagSmallTuple: true,
	TagLargeTuple: true, TagNil: true, TagString: true, TagList: true, TagBinary: true,
	TagExport: true, TagMap: true, TagNewPid: true, TagV4Port: true,
	TagNewerReference: true, TagNewFun: true,
}

// AtomVMDecodes reports whether AtomVM's decoder accepts tag
// (atomvm-dist spec §2.7).
func AtomVMDecodes(tag byte) bool { return atomVMTags[tag] }
