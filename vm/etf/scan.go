package etf

import (
	"encoding/binary"
)

// scanItem is one entry of the scanner's stack: either n terms still to
// come, or skip raw bytes (the fixed fields after a node atom).
type scanItem struct {
	n    uint64
	skip int
}

// scanState finds where a term ends without decoding it, resumably: when
// the input runs out it reports "need more" and continues from the same
// state once more bytes have been appended. A streaming Decoder uses it
// so that it reads exactly one term and decodes it in one pass.
type scanState struct {
	pos     int
	stack   []scanItem
	pending uint64 // lower bound of the bytes still to come
	started bool
}

// scan advances over b (which only ever grows between calls). It
// returns done when a whole term has been passed (its end is st.pos).
func (st *scanState) scan(b []byte, maxSize, maxDepth int) (done bool, err error) {
	if !st.started {
		st.stack = append(st.stack[:0], scanItem{n: 1})
		st.pending = 1
		st.started = true
	}
	for len(st.stack) > 0 {
		top := &st.stack[len(st.stack)-1]
		if top.skip > 0 {
			if len(b)-st.pos < top.skip {
				return false, nil
			}
			st.pos += top.skip
			st.pending -= uint64(top.skip)
			st.stack = st.stack[:len(st.stack)-1]
			continue
		}
		if top.n == 0 {
			st.stack = st.stack[:len(st.stack)-1]
			continue
		}
		if st.pos >= len(b) {
			return false, nil
		}
		tag := b[st.pos]
		hdr, sub, skip, ok, err := scanHeader(b[st.pos:], tag)
		if err != nil {
			return false, &DecodeError{Offset: st.pos, Tag: tag, Msg: err.Error(), Err: ErrInvalid}
		}
		if hdr > 0 && uint64(st.pos)+uint64(hdr) > uint64(maxSize) {
			return false, &DecodeError{Offset: st.pos, Tag: tag, Err: ErrLimit,
				Msg: "the term is larger than the limit (DecodeOptions.MaxSize)"}
		}
		if !ok || len(b)-st.pos < hdr {
			return false, nil // wait until the whole fixed part is buffered
		}
		top.n--
		st.pending += sub + uint64(skip) - 1
		if uint64(st.pos+hdr)+st.pending > uint64(maxSize) {
			return false, &DecodeError{Offset: st.pos, Tag: tag, Err: ErrLimit,
				Msg: "the term claims more elements than the size limit allows (DecodeOptions.MaxSize)"}
		}
		st.pos += hdr
		if skip > 0 {
			st.stack = append(st.stack, scanItem{skip: skip})
		}
		if sub > 0 {
			st.stack = append(st.stack, scanItem{n: sub})
		}
		if len(st.stack) > 2*maxDepth+4 {
			return false, &DecodeError{Offset: st.pos, Tag: tag, Err: ErrLimit,
				Msg: "terms nest deeper than the limit (DecodeOptions.MaxDepth)"}
		}
	}
	return true, nil
}

type scanErr string

func (e scanErr) Error() string { return string(e) }

// scanHeader returns the length of the fixed part of the item starting
// with tag at p[0] (hdr), how many sub-terms follow it (sub) and how many
// raw bytes follow those (skip). ok is false when p is too short to tell.
func scanHeader(p []byte, tag byte) (hdr int, sub uint64, skip int, ok bool, err error) {
	need := func(n int) bool { return len(p) >= n }
	switch tag {
	case TagSmallInteger, TagAtomCacheRef:
		return 2, 0, 0, true, nil
	case TagInteger:
		return 5, 0, 0, true, nil
	case TagNewFloat:
		return 9, 0, 0, true, nil
	case TagFloat:
		return 32, 0, 0, true, nil
	case TagNil:
		return 1, 0, 0, true, nil
	case TagAtom, TagAtomUTF8, TagString:
		if !need(3) {
			return 3, 0, 0, false, nil
		}
		return 3 + int(binary.BigEndian.Uint16(p[1:])), 0, 0, true, nil
	case TagSmallAtom, TagSmallAtomUTF8:
		if !need(2) {
			return 2, 0, 0, false, nil
		}
		return 2 + int(p[1]), 0, 0, true, nil
	case TagBinary:
		if !need(5) {
			return 5, 0, 0, false, nil
		}
		return 5 + int(binary.BigEndian.Uint32(p[1:])), 0, 0, true, nil
	case TagBitBinary:
		if !need(6) {
			return 6, 0, 0, false, nil
		}
		return 6 + int(binary.BigEndian.Uint32(p[1:])), 0, 0, true, nil
	case TagSmallBig:
		if !need(2) {
			return 2, 0, 0, false, nil
		}
		return 3 + int(p[1]), 0, 0, true, nil
	case TagLargeBig:
		if !need(5) {
			return 5, 0, 0, false, nil
		}
		return 6 + int(binary.BigEndian.Uint32(p[1:])), 0, 0, true, nil
	case TagSmallTuple:
		if !need(2) {
			return 2, 0, 0, false, nil
		}
		return 2, uint64(p[1]), 0, true, nil
	case TagLargeTuple, TagList, TagMap:
		if !need(5) {
			return 5, 0, 0, false, nil
		}
		n := uint64(binary.BigEndian.Uint32(p[1:]))
		switch tag {
		case TagList:
			n++ // the tail
		case TagMap:
			n *= 2
		}
		return 5, n, 0, true, nil
	case TagPid:
		return 1, 1, 9, true, nil
	case TagNewPid:
		return 1, 1, 12, true, nil
	case TagPort, TagReference:
		return 1, 1, 5, true, nil
	case TagNewPort:
		return 1, 1, 8, true, nil
	case TagV4Port:
		return 1, 1, 12, true, nil
	case TagNewReference, TagNewerReference:
		if !need(3) {
			return 3, 0, 0, false, nil
		}
		words := int(binary.BigEndian.Uint16(p[1:]))
		cr := 4
		if tag == TagNewReference {
			cr = 1
		}
		return 3, 1, cr + 4*words, true, nil
	case TagNewFun:
		const fixed = 1 + 4 + 1 + 16 + 4 + 4
		if !need(fixed) {
			return fixed, 0, 0, false, nil
		}
		// Module, OldIndex, OldUniq, Pid, then the free variables.
		return fixed, 4 + uint64(binary.BigEndian.Uint32(p[fixed-4:])), 0, true, nil
	case TagFun:
		if !need(5) {
			return 5, 0, 0, false, nil
		}
		// Pid, Module, Index, Uniq, then the free variables.
		return 5, 4 + uint64(binary.BigEndian.Uint32(p[1:])), 0, true, nil
	case TagExport:
		return 1, 3, 0, true, nil
	case TagLocal:
		return 0, 0, 0, false, scanErr("LOCAL_EXT extends to the end of its input and cannot be delimited in a stream")
	case TagCompressed:
		return 0, 0, 0, false, scanErr("a compressed term may only appear at the top level")
	}
	return 0, 0, 0, false, scanErr("unknown tag")
}
