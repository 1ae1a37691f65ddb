package etf_test

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// atomVMRepresentable says whether AtomVM can decode t at all
// (atomvm-dist spec §2.7), independently of the encoder.
func atomVMRepresentable(t term.Term) bool {
	atomOK := func(a term.Atom) bool { return len(a) <= 255 && utf8.ValidString(string(a)) }
	switch v := t.(type) {
	case term.Atom:
		return atomOK(v)
	case term.Bitstring, term.LocalExt:
		return false
	case term.BigInt:
		return v.V.BitLen() <= 256
	case term.Pid:
		return atomOK(v.Node)
	case term.Port:
		return atomOK(v.Node)
	case term.Ref:
		return atomOK(v.Node)
	case term.ExportFun:
		return atomOK(v.Module) && atomOK(v.Function)
	case *term.Fun:
		if !atomOK(v.Module) || !atomOK(v.Pid.Node) {
			return false
		}
		for _, x := range v.Free {
			if !atomVMRepresentable(x) {
				return false
			}
		}
		return true
	case term.Tuple:
		for _, x := range v {
			if !atomVMRepresentable(x) {
				return false
			}
		}
	case term.List:
		for _, x := range v {
			if !atomVMRepresentable(x) {
				return false
			}
		}
	case term.ImproperList:
		for _, x := range v.Elems {
			if !atomVMRepresentable(x) {
				return false
			}
		}
		return atomVMRepresentable(v.Tail)
	case term.Map:
		for k, x := range v.All() {
			if !atomVMRepresentable(k) || !atomVMRepresentable(x) {
				return false
			}
		}
	}
	return true
}

// walker visits every tag of an encoded term; it is written from
// erl_ext_dist independently of the package's decoder.
type walker struct {
	b     []byte
	visit func(tag byte, pos int, inNode bool) string
}

func (w *walker) u16(p int) int { return int(binary.BigEndian.Uint16(w.b[p:])) }
func (w *walker) u32(p int) int { return int(binary.BigEndian.Uint32(w.b[p:])) }

func (w *walker) walk(p int, inNode bool) (int, string) {
	tag := w.b[p]
	if msg := w.visit(tag, p, inNode); msg != "" {
		return 0, msg
	}
	switch tag {
	case etf.TagSmallInteger, etf.TagAtomCacheRef:
		return p + 2, ""
	case etf.TagInteger:
		return p + 5, ""
	case etf.TagNewFloat:
		return p + 9, ""
	case etf.TagFloat:
		return p + 32, ""
	case etf.TagNil:
		return p + 1, ""
	case etf.TagAtom, etf.TagAtomUTF8, etf.TagString:
		return p + 3 + w.u16(p+1), ""
	case etf.TagSmallAtom, etf.TagSmallAtomUTF8:
		return p + 2 + int(w.b[p+1]), ""
	case etf.TagBinary:
		return p + 5 + w.u32(p+1), ""
	case etf.TagBitBinary:
		return p + 6 + w.u32(p+1), ""
	case etf.TagSmallBig:
		return p + 3 + int(w.b[p+1]), ""
	case etf.TagLargeBig:
		return p + 6 + w.u32(p+1), ""
	case etf.TagSmallTuple, etf.TagLargeTuple:
		n, q := int(w.b[p+1]), p+2
		if tag == etf.TagLargeTuple {
			n, q = w.u32(p+1), p+5
		}
		return w.seq(q, n)
	case etf.TagList:
		return w.seq(p+5, w.u32(p+1)+1)
	case etf.TagMap:
		return w.seq(p+5, 2*w.u32(p+1))
	case etf.TagPid, etf.TagNewPid, etf.TagPort, etf.TagNewPort, etf.TagV4Port, etf.TagReference:
		q, msg := w.walk(p+1, true)
		if msg != "" {
			return 0, msg
		}
		return q + map[byte]int{etf.TagPid: 9, etf.TagNewPid: 12, etf.TagPort: 5, etf.TagNewPort: 8, etf.TagV4Port: 12, etf.TagReference: 5}[tag], ""
	case etf.TagNewReference, etf.TagNewerReference:
		n := w.u16(p + 1)
		q, msg := w.walk(p+3, true)
		if msg != "" {
			return 0, msg
		}
		if tag == etf.TagNewReference {
			return q + 1 + 4*n, ""
		}
		return q + 4 + 4*n, ""
	case etf.TagNewFun:
		return w.seq(p+30, 4+w.u32(p+26))
	case etf.TagExport:
		return w.seq(p+1, 3)
	case etf.TagCompressed:
		return len(w.b), ""
	}
	return 0, fmt.Sprintf("unexpected tag %d at offset %d", tag, p)
}

func (w *walker) seq(p, n int) (int, string) {
	for range n {
		var msg string
		if p, msg = w.walk(p, false); msg != "" {
			return 0, msg
		}
	}
	return p, ""
}

// checkAtomVMTags walks an AtomVM-profile encoding and reports the first
// violation of atomvm-dist spec §2.6–2.7, or "".
func checkAtomVMTags(b []byte) string {
	w := &walker{b: b}
	w.visit = func(tag byte, p int, inNode bool) string {
		if !etf.AtomVMDecodes(tag) {
			return fmt.Sprintf("%s at offset %d is not decodable by AtomVM", etf.TagName(tag), p)
		}
		switch tag {
		case etf.TagAtom, etf.TagAtomUTF8:
			return fmt.Sprintf("atom as %s at offset %d; the profile always uses SMALL_ATOM_UTF8_EXT", etf.TagName(tag), p)
		case etf.TagSmallBig:
			if b[p+1] > 32 {
				return fmt.Sprintf("integer of %d bytes at offset %d", b[p+1], p)
			}
		case etf.TagList:
			n := w.u32(p + 1)
			if n <= 65535 && isByteList(b, p+5, n) {
				return fmt.Sprintf("byte list of %d elements as LIST_EXT at offset %d; must be STRING_EXT", n, p)
			}
		}
		return ""
	}
	if len(b) == 0 || b[0] != etf.Version {
		return "no version byte"
	}
	end, msg := w.walk(1, false)
	if msg == "" && end != len(b) {
		msg = fmt.Sprintf("term ends at %d of %d bytes", end, len(b))
	}
	return msg
}

func isByteList(b []byte, p, n int) bool {
	for range n {
		if b[p] != etf.TagSmallInteger {
			return false
		}
		p += 2
	}
	return b[p] == etf.TagNil
}

func countTags(b []byte, tags map[byte]int) {
	w := &walker{b: b, visit: func(tag byte, _ int, _ bool) string { tags[tag]++; return "" }}
	if len(b) > 1 {
		w.walk(1, false)
	}
}
