package etf

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"

	"github.com/avmsh/avmsh/vm/term"
)

// maxAtomVMBigBytes is the largest integer magnitude AtomVM decodes:
// 256 bits as a SMALL_BIG_EXT (atomvm-dist spec §2.7).
const maxAtomVMBigBytes = 32

func (e *encoder) pid(dst []byte, p term.Pid) ([]byte, error) {
	dst = append(dst, TagNewPid)
	dst, err := e.atom(dst, p.Node)
	if err != nil {
		return dst, err
	}
	dst = appendU32(dst, p.ID)
	dst = appendU32(dst, p.Serial)
	return appendU32(dst, p.Creation), nil
}

func (e *encoder) port(dst []byte, p term.Port) ([]byte, error) {
	dst = append(dst, TagV4Port)
	dst, err := e.atom(dst, p.Node)
	if err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint64(dst, p.ID)
	return appendU32(dst, p.Creation), nil
}

func (e *encoder) ref(dst []byte, r term.Ref) ([]byte, error) {
	ids := r.IDs()
	dst = append(dst, TagNewerReference, 0, byte(len(ids)))
	dst, err := e.atom(dst, r.Node)
	if err != nil {
		return dst, err
	}
	dst = appendU32(dst, r.Creation)
	for _, w := range ids {
		dst = appendU32(dst, w)
	}
	return dst, nil
}

// big encodes an integer beyond int64 as SMALL_BIG_EXT, or LARGE_BIG_EXT
// beyond 255 bytes of magnitude.
func (e *encoder) big(dst []byte, b term.BigInt) ([]byte, error) {
	if b.V == nil {
		return dst, invalid(b, "BigInt with a nil value")
	}
	if b.V.IsInt64() {
		return appendInt(dst, b.V.Int64()), nil
	}
	n := (b.V.BitLen() + 7) / 8
	if e.avm && n > maxAtomVMBigBytes {
		return dst, e.refuse(b, fmt.Sprintf("its magnitude has %d bits; AtomVM decodes at most 256", b.V.BitLen()))
	}
	if uint64(n) > math.MaxUint32 {
		return dst, invalid(b, "magnitude longer than 2^32-1 bytes")
	}
	sign := byte(0)
	if b.V.Sign() < 0 {
		sign = 1
	}
	if n <= 255 {
		dst = append(dst, TagSmallBig, byte(n), sign)
	} else {
		dst = append(appendU32(append(dst, TagLargeBig), uint32(n)), sign)
	}
	const wb = 32 << (^big.Word(0) >> 63) / 8
	left := n
	for _, w := range b.V.Bits() {
		for i := 0; i < wb && left > 0; i++ {
			dst = append(dst, byte(w))
			w >>= 8
			left--
		}
	}
	return dst, nil
}

func (e *encoder) bitstring(dst []byte, b term.Bitstring) ([]byte, error) {
	if e.avm {
		return dst, e.refuse(b, "BIT_BINARY_EXT is not decodable there")
	}
	if len(b.Data) == 0 || b.Bits == 0 || b.Bits > 8 {
		if len(b.Data) == 0 || b.Bits == 0 || b.Bits == 8 {
			// Not normalised: a whole number of bytes is a binary.
			return e.term(dst, term.Binary(b.Data))
		}
		return dst, invalid(b, fmt.Sprintf("Bits is %d; must be 1..7", b.Bits))
	}
	if uint64(len(b.Data)) > math.MaxUint32 {
		return dst, invalid(b, "longer than 2^32-1 bytes")
	}
	dst = append(appendU32(append(dst, TagBitBinary), uint32(len(b.Data))), b.Bits)
	dst = append(dst, b.Data...)
	dst[len(dst)-1] &= byte(0xFF << (8 - b.Bits))
	return dst, nil
}

// fun encodes a local fun as NEW_FUN_EXT. Size counts the bytes from
// the Size field itself to the end of the free variables (erl_ext_dist,
// NEW_FUN_EXT). A Go evaluator closure (Fun.Local) is not encoded; only
// the envelope travels.
func (e *encoder) fun(dst []byte, f *term.Fun) ([]byte, error) {
	if f == nil {
		return dst, invalid(f, "nil *term.Fun")
	}
	if uint64(len(f.Free)) > math.MaxUint32 {
		return dst, invalid(f, "too many free variables")
	}
	if !e.enter() {
		return dst, e.tooDeep(f)
	}
	dst = append(dst, TagNewFun)
	sizeAt := len(dst)
	dst = append(dst, 0, 0, 0, 0, f.Arity)
	dst = append(dst, f.Uniq[:]...)
	dst = appendU32(dst, f.Index)
	dst = appendU32(dst, uint32(len(f.Free)))
	var err error
	if dst, err = e.atom(dst, f.Module); err != nil {
		return dst, err
	}
	dst = appendInt(dst, int64(f.OldIndex))
	dst = appendInt(dst, int64(f.OldUniq))
	if dst, err = e.pid(dst, f.Pid); err != nil {
		return dst, err
	}
	for _, x := range f.Free {
		if dst, err = e.term(dst, x); err != nil {
			return dst, err
		}
	}
	binary.BigEndian.PutUint32(dst[sizeAt:], uint32(len(dst)-sizeAt))
	e.depth++
	return dst, nil
}
