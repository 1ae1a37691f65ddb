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

var flagNames = map[Flags]string{
	Published: "PUBLISHED", AtomCache: "ATOM_CACHE", ExtendedReferences: "EXTENDED_REFERENCES",
	DistMonitor: "DIST_MONITOR", FunTags: "FUN_TAGS", DistMonitorName: "DIST_MONITOR_NAME",
	HiddenAtomCache: "HIDDEN_ATOM_CACHE", NewFunTags: "NEW_FUN_TAGS", ExtendedPidsPorts: "EXTENDED_PIDS_PORTS",
	ExportPtrTag: "EXPORT_PTR_TAG", BitBinaries: "BIT_BINARIES", NewFloats: "NEW_FLOATS",
	UnicodeIO: "UNICODE_IO", DistHdrAtomCache: "DIST_HDR_ATOM_CACHE", SmallAtomTags: "SMALL_ATOM_TAGS",
	UTF8Atoms: "UTF8_ATOMS", MapTag: "MAP_TAG", BigCreation: "BIG_CREATION", SendSender: "SEND_SENDER",
	BigSeqtraceLabels: "BIG_SEQTRACE_LABELS", ExitPayload: "EXIT_PAYLOAD", Fragments: "FRAGMENTS",
	Handshake23: "HANDSHAKE_23", UnlinkID: "UNLINK_ID", Mandatory25Digest: "MANDATORY_25_DIGEST",
	Spawn: "SPAWN", NameMe: "NAME_ME", V4NC: "V4_NC", Alias: "ALIAS",
}

// String lists the flag names, e.g. "PUBLISHED|HANDSHAKE_23".
func (f Flags) String() string {
	var names []string
	for v := f; v != 0; {
		b := Flags(1) << bits.TrailingZeros64(uint64(v))
		v &^= b
		if n, ok := flagNames[b]; ok {
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
