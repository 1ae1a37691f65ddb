package dist

import (
	"encoding/binary"

	"github.com/avmsh/avmsh/vm/term"
)

// ETF tags the fast control parser reads (erl_ext_dist).
const (
	tagSmallTuple     = 104
	tagSmallInteger   = 97
	tagNewPid         = 88
	tagPid            = 103
	tagAtomCacheRef   = 82
	tagAtomUTF8       = 118
	tagSmallAtomUTF8  = 119
	tagAtomLatin1     = 100
	tagSmallAtomLatin = 115
)

// fastSend recognises the control message of a message to a pid — SEND
// {2, Unused, ToPid} or SEND_SENDER {2, FromPid, ToPid} — at b[0:], and
// returns the destination and the length of the control message, without
// building terms. Anything else, or anything unusual in these (a trace
// token variant, an element of an unexpected type, a non-ASCII Latin-1
// atom), reports false, and the packet goes through the general decoder,
// which accepts or rejects it exactly as before.
func (d *Decoder) fastSend(b []byte, refs []term.Atom) (term.Pid, int, bool) {
	if len(b) < 4 || b[0] != tagSmallTuple || b[1] != 3 || b[2] != tagSmallInteger {
		return term.Pid{}, 0, false
	}
	op := Op(b[3])
	off := 4
	switch op {
	case OpSend:
		n, ok := d.skipAtom(b[off:], refs)
		if !ok {
			return term.Pid{}, 0, false
		}
		off += n
	case OpSendSender:
		_, n, ok := d.fastPid(b[off:], refs)
		if !ok {
			return term.Pid{}, 0, false
		}
		off += n
	default:
		return term.Pid{}, 0, false
	}
	to, n, ok := d.fastPid(b[off:], refs)
	if !ok {
		return term.Pid{}, 0, false
	}
	return to, off + n, true
}

// fastAtom reads an atom: a cache reference, or UTF-8 or ASCII text.
func (d *Decoder) fastAtom(b []byte, refs []term.Atom) (term.Atom, int, bool) {
	if len(b) < 2 {
		return "", 0, false
	}
	var n, off int
	switch b[0] {
	case tagAtomCacheRef:
		i := int(b[1])
		if i >= len(refs) {
			return "", 0, false
		}
		return refs[i], 2, true
	case tagSmallAtomUTF8, tagSmallAtomLatin:
		n, off = int(b[1]), 2
	case tagAtomUTF8, tagAtomLatin1:
		if len(b) < 3 {
			return "", 0, false
		}
		n, off = int(binary.BigEndian.Uint16(b[1:])), 3
	default:
		return "", 0, false
	}
	if len(b)-off < n || n > 255 {
		return "", 0, false
	}
	text := b[off : off+n]
	for _, c := range text {
		if c >= 0x80 {
			return "", 0, false // UTF-8 or Latin-1 beyond ASCII: the general decoder checks it
		}
	}
	return d.intern(text), off + n, true
}

func (d *Decoder) skipAtom(b []byte, refs []term.Atom) (int, bool) {
	_, n, ok := d.fastAtom(b, refs)
	return n, ok
}

// fastPid reads NEW_PID_EXT or PID_EXT, as etf decodes them.
func (d *Decoder) fastPid(b []byte, refs []term.Atom) (term.Pid, int, bool) {
	if len(b) < 1 || (b[0] != tagNewPid && b[0] != tagPid) {
		return term.Pid{}, 0, false
	}
	node, n, ok := d.fastAtom(b[1:], refs)
	if !ok {
		return term.Pid{}, 0, false
	}
	off := 1 + n
	need := 12
	if b[0] == tagPid {
		need = 9
	}
	if len(b)-off < need {
		return term.Pid{}, 0, false
	}
	p := term.Pid{Node: node, ID: binary.BigEndian.Uint32(b[off:]), Serial: binary.BigEndian.Uint32(b[off+4:])}
	if b[0] == tagPid {
		p.Creation = uint32(b[off+8])
	} else {
		p.Creation = binary.BigEndian.Uint32(b[off+8:])
	}
	return p, off + need, true
}
