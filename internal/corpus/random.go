package corpus

import (
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/avmsh/avmsh/vm/term"
)

// gen builds random terms of every type from a seeded source.
type gen struct{ r *rand.Rand }

var atomPool = []string{"ok", "error", "a", "b", "undefined", "true", "false", "nonode@nohost", "$gen_call",
	"EXIT", "DOWN", "Ünïcödé", "日本", "🙂", "with space", "x_y@z", "", "'", "longer_atom_name_for_testing"}

const maxGenDepth = 4

func (g *gen) term(depth int) term.Term {
	r := g.r
	if depth < maxGenDepth && r.IntN(2+2*depth) == 0 {
		return g.container(depth)
	}
	switch r.IntN(20) {
	case 0, 1:
		return term.Int(r.IntN(256))
	case 2:
		return term.Int(int64(int32(r.Uint32())))
	case 3:
		return term.Int(int64(r.Uint64()))
	case 4:
		return g.bigInt()
	case 5:
		return g.float()
	case 6, 7:
		return term.Atom(atomPool[r.IntN(len(atomPool))])
	case 8:
		return term.Binary(randBytes(r, g.size()))
	case 9:
		return term.NewBitstring(randBytes(r, 1+r.IntN(20)), uint8(1+r.IntN(7)))
	case 10:
		return byteList(randBytes(r, r.IntN(40)))
	case 11:
		runes := make([]rune, r.IntN(12))
		for i := range runes {
			runes[i] = rune(0x20 + r.IntN(0x3000))
			if runes[i] >= 0xD800 && runes[i] <= 0xDFFF {
				runes[i] = 'x'
			}
		}
		return term.String(string(runes))
	case 12:
		return term.NewPid(edgeNodes[r.IntN(len(edgeNodes))], r.Uint32()>>r.IntN(32), r.Uint32()>>r.IntN(32), r.Uint32()>>r.IntN(32))
	case 13:
		return term.Port{Node: edgeNodes[r.IntN(len(edgeNodes))], ID: r.Uint64() >> r.IntN(64), Creation: r.Uint32()}
	case 14:
		// Two words at least: OTP 25 hashes a one-word external
		// reference inconsistently, so a hash map (over 32 keys) with
		// one as a key is not =:= to its own copy. Edge cases keep
		// one-word references outside maps.
		ws := make([]uint32, 2+r.IntN(term.MaxRefWords-1))
		for i := range ws {
			ws[i] = r.Uint32()
		}
		return term.NewRef(edgeNodes[r.IntN(len(edgeNodes))], r.Uint32(), ws...)
	case 15:
		return term.ExportFun{Module: term.Atom(atomPool[r.IntN(len(atomPool))]), Function: term.Atom(atomPool[r.IntN(len(atomPool))]), Arity: uint8(r.IntN(256))}
	case 16:
		if depth < maxGenDepth {
			f := &term.Fun{Module: term.Atom(atomPool[r.IntN(len(atomPool))]), Arity: uint8(r.IntN(10)), Index: r.Uint32() >> 20,
				OldIndex: int32(r.IntN(100)), OldUniq: int32(r.Uint32() >> 5), Pid: term.NewPid("a@b", r.Uint32()>>17, 0, 1)}
			copy(f.Uniq[:], randBytes(r, 16))
			for range r.IntN(3) {
				f.Free = append(f.Free, g.term(depth+1))
			}
			return f
		}
		return term.Nil
	case 17:
		return term.Nil
	case 18:
		return term.Int(-int64(r.IntN(1 << 20)))
	default:
		return term.Float(float64(r.IntN(1000)) / 8)
	}
}

// size is a binary length: usually small, sometimes a few KiB.
func (g *gen) size() int {
	if g.r.IntN(50) == 0 {
		return g.r.IntN(3000)
	}
	return g.r.IntN(40)
}

func (g *gen) bigInt() term.Term {
	bits := 65 + g.r.IntN(300)
	if g.r.IntN(10) == 0 {
		bits = 300 + g.r.IntN(3000)
	}
	v := new(big.Int).SetBytes(randBytes(g.r, (bits+7)/8))
	v.SetBit(v, bits, 1)
	if g.r.IntN(2) == 0 {
		v.Neg(v)
	}
	return term.BigInteger(v)
}

func (g *gen) float() term.Term {
	for {
		f := math.Float64frombits(g.r.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return term.Float(f)
		}
	}
}

func (g *gen) container(depth int) term.Term {
	r := g.r
	n := r.IntN(9)
	switch r.IntN(4) {
	case 0:
		t := make(term.Tuple, n)
		for i := range t {
			t[i] = g.term(depth + 1)
		}
		return t
	case 1:
		if n == 0 {
			return term.Nil
		}
		l := make(term.List, n)
		for i := range l {
			l[i] = g.term(depth + 1)
		}
		return l
	case 2:
		elems := make([]term.Term, 1+n)
		for i := range elems {
			elems[i] = g.term(depth + 1)
		}
		tail := g.term(maxGenDepth)
		return term.Cons(elems, tail)
	default:
		if r.IntN(12) == 0 {
			n += 30 // beyond 32 keys OTP switches to a hash map
		}
		kv := make([]term.KV, n)
		for i := range kv {
			kv[i] = term.KV{Key: g.term(depth + 2), Value: g.term(depth + 1)}
		}
		return term.NewMap(kv...)
	}
}
