package handshake

import (
	"fmt"
	"math/bits"
	"strings"
)

// Flags are distribution capability flags (erl_dist_protocol, "Distribution
// Flags").
type Flags uint64

// Distribution flags.
const (
	Published          Flags = 0x1
	AtomCache          Flags = 0x2
	ExtendedReferences Flags = 0x4
	DistMonitor        Flags = 0x8
	FunTags            Flags = 0x10
	DistMonitorName    Flags = 0x20
	HiddenAtomCache    Flags = 0x40
	NewFunTags         Flags = 0x80
	ExtendedPidsPorts  Flags = 0x100
	ExportPtrTag       Flags = 0x200
	BitBinaries        Flags = 0x400
	NewFloats          Flags = 0x800
	UnicodeIO          Flags = 0x1000
	DistHdrAtomCache   Flags = 0x2000
	SmallAtomTags      Flags = 0x4000
	UTF8Atoms          Flags = 0x10000
	MapTag             Flags = 0x20000
	BigCreation        Flags = 0x40000
	SendSender         Flags = 0x80000
	BigSeqtraceLabels  Flags = 0x100000
	ExitPayload        Flags = 0x400000
	Fragments          Flags = 0x800000
	Handshake23        Flags = 0x1000000
	UnlinkID           Flags = 0x2000000
	Mandatory25Digest  Flags = 0x4000000
	Spawn              Flags = 1 << 32
	NameMe             Flags = 1 << 33
	V4NC               Flags = 1 << 34
	Alias              Flags = 1 << 35
)

// AtomVMFlags is the fixed flag word every AtomVM node sends and requires
// from its peers (spec §1.4).
const AtomVMFlags Flags = 0xD035F5FBC

// Mandatory25 are the flags OTP 25 requires of every peer.
const Mandatory25 = ExtendedReferences | ExtendedPidsPorts | UTF8Atoms | NewFunTags |
	BigCreation | NewFloats | MapTag | ExportPtrTag | BitBinaries | Handshake23

// Mandatory26 are the flags OTP 26 and later require in addition.
const Mandatory26 = Mandatory25 | V4NC | UnlinkID

// Default is what avmsh advertises (plus Published when visible): every
// flag OTP 25–28 and AtomVM require, monitors, spawn, aliases, and the
// atom cache and fragments for BEAM peers.
const Default = Mandatory26 | AtomVMFlags | DistMonitor | FunTags | DistMonitorName |
	SmallAtomTags | UnicodeIO | SendSender | BigSeqtraceLabels | ExitPayload | Spawn |
	Alias | Mandatory25Digest | DistHdrAtomCache | Fragments

// Required is what avmsh needs from a peer: the 'N' handshake and the
// encodings it sends (extended pids/refs, big creation, UTF-8 atoms).
const Required = Handshake23 | ExtendedReferences | ExtendedPidsPorts | BigCreation | UTF8Atoms

// IsAtomVM reports whether flags look like an AtomVM node: its fixed
// word, with none of the optional flags BEAM always sends.
func (f Flags) IsAtomVM() bool { return f&^Published == AtomVMFlags }

// Has reports whether every flag of want is set.
func (f Flags) Has(want Flags) bool { return f&want == want }

// flagNames are the flags' names by bit number (an array the linker
// lays out: nothing to build at start-up).
var flagNames = [64]string{
	0:  "PUBLISHED",           // Published
	1:  "ATOM_CACHE",          // AtomCache
	2:  "EXTENDED_REFERENCES", // ExtendedReferences
	3:  "DIST_MONITOR",        // DistMonitor
	4:  "FUN_TAGS",            // FunTags
	5:  "DIST_MONITOR_NAME",   // DistMonitorName
	6:  "HIDDEN_ATOM_CACHE",   // HiddenAtomCache
	7:  "NEW_FUN_TAGS",        // NewFunTags
	8:  "EXTENDED_PIDS_PORTS", // ExtendedPidsPorts
	9:  "EXPORT_PTR_TAG",      // ExportPtrTag
	10: "BIT_BINARIES",        // BitBinaries
	11: "NEW_FLOATS",          // NewFloats
	12: "UNICODE_IO",          // UnicodeIO
	13: "DIST_HDR_ATOM_CACHE", // DistHdrAtomCache
	14: "SMALL_ATOM_TAGS",     // SmallAtomTags
	16: "UTF8_ATOMS",          // UTF8Atoms
	17: "MAP_TAG",             // MapTag
	18: "BIG_CREATION",        // BigCreation
	19: "SEND_SENDER",         // SendSender
	20: "BIG_SEQTRACE_LABELS", // BigSeqtraceLabels
	22: "EXIT_PAYLOAD",        // ExitPayload
	23: "FRAGMENTS",           // Fragments
	24: "HANDSHAKE_23",        // Handshake23
	25: "UNLINK_ID",           // UnlinkID
	26: "MANDATORY_25_DIGEST", // Mandatory25Digest
	32: "SPAWN",               // Spawn
	33: "NAME_ME",             // NameMe
	34: "V4_NC",               // V4NC
	35: "ALIAS",               // Alias
}

// String lists the flag names, e.g. "PUBLISHED|HANDSHAKE_23".
func (f Flags) String() string {
	var names []string
	for v := f; v != 0; {
		i := bits.TrailingZeros64(uint64(v))
		b := Flags(1) << i
		v &^= b
		if n := flagNames[i]; n != "" {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("0x%x", uint64(b)))
		}
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}
