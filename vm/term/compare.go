package term

import (
	"bytes"
	"strings"
)

// Compare orders a and b in Erlang's term order, returning -1, 0 or +1.
// Numbers compare by value, so Compare(Int(1), Float(1.0)) == 0, as with
// Erlang's `==`, `<` and lists:sort/1.
func Compare(a, b Term) int { return compare(a, b, false) }

// CompareExact is the total order Erlang uses for map keys and `=:=`:
// like Compare, except that an integer and a float are never equal and
// every integer sorts before every float.
func CompareExact(a, b Term) int { return compare(a, b, true) }

// Equal is Erlang's `==`.
func Equal(a, b Term) bool { return compare(a, b, false) == 0 }

// ExactEqual is Erlang's `=:=`. Note that, as in OTP 25 and earlier,
// 0.0 =:= -0.0 (OTP 27 made them different).
func ExactEqual(a, b Term) bool { return compare(a, b, true) == 0 }

func compare(a, b Term, exact bool) int {
	// The commonest pairs (map keys, sorting) first, without the kinds.
	switch x := a.(type) {
	case Atom:
		if y, ok := b.(Atom); ok {
			return strings.Compare(string(x), string(y))
		}
	case Int:
		if y, ok := b.(Int); ok {
			return cmp3(x, y)
		}
	}
	ka, kb := KindOf(a), KindOf(b)
	if ka != kb {
		return cmp3(ka, kb)
	}
	switch ka {
	case KindNumber:
		if exact {
			_, fa := a.(Float)
			_, fb := b.(Float)
			if fa != fb {
				if fa {
					return 1
				}
				return -1
			}
		}
		return compareNumbers(a, b)
	case KindAtom:
		return strings.Compare(string(a.(Atom)), string(b.(Atom)))
	case KindRef:
		return compareRefs(a.(Ref), b.(Ref))
	case KindFun:
		return compareFuns(a, b, exact)
	case KindPort:
		x, y := a.(Port), b.(Port)
		if c := strings.Compare(string(x.Node), string(y.Node)); c != 0 {
			return c
		}
		if c := cmp3(x.Creation, y.Creation); c != 0 {
			return c
		}
		return cmp3(x.ID, y.ID)
	case KindPid:
		return comparePids(a.(Pid), b.(Pid))
	case KindTuple:
		x, y := a.(Tuple), b.(Tuple)
		if len(x) != len(y) {
			return cmp3(len(x), len(y))
		}
		for i := range x {
			if c := compare(x[i], y[i], exact); c != 0 {
				return c
			}
		}
		return 0
	case KindMap:
		return compareMaps(a.(Map), b.(Map), exact)
	case KindNil:
		return 0
	case KindList:
		return compareLists(a, b, exact)
	case KindBitstring:
		return compareBits(a, b)
	case KindLocal:
		return strings.Compare(a.(LocalExt).Bytes, b.(LocalExt).Bytes)
	}
	return 0
}

// comparePids orders pids as OTP 25 does: by serial, then number, then
// node name, then creation.
func comparePids(x, y Pid) int {
	if c := cmp3(x.Serial, y.Serial); c != 0 {
		return c
	}
	if c := cmp3(x.ID, y.ID); c != 0 {
		return c
	}
	if c := strings.Compare(string(x.Node), string(y.Node)); c != 0 {
		return c
	}
	return cmp3(x.Creation, y.Creation)
}

func compareRefs(x, y Ref) int {
	if c := strings.Compare(string(x.Node), string(y.Node)); c != 0 {
		return c
	}
	if c := cmp3(x.Creation, y.Creation); c != 0 {
		return c
	}
	xi, yi := x.IDs(), y.IDs()
	if len(xi) != len(yi) {
		return cmp3(len(xi), len(yi))
	}
	for i := len(xi) - 1; i >= 0; i-- {
		if c := cmp3(xi[i], yi[i]); c != 0 {
			return c
		}
	}
	return 0
}

func compareFuns(a, b Term, exact bool) int {
	// Local funs sort before export funs.
	switch x := a.(type) {
	case *Fun:
		y, ok := b.(*Fun)
		if !ok {
			return -1
		}
		if x == y {
			return 0
		}
		if c := strings.Compare(string(x.Module), string(y.Module)); c != 0 {
			return c
		}
		if c := cmp3(x.OldIndex, y.OldIndex); c != 0 {
			return c
		}
		if c := cmp3(x.OldUniq, y.OldUniq); c != 0 {
			return c
		}
		if c := cmp3(x.Index, y.Index); c != 0 {
			return c
		}
		if c := bytes.Compare(x.Uniq[:], y.Uniq[:]); c != 0 {
			return c
		}
		if c := comparePids(x.Pid, y.Pid); c != 0 {
			return c
		}
		if c := compare(Tuple(x.Free), Tuple(y.Free), exact); c != 0 {
			return c
		}
		if x.Local != y.Local {
			// Distinct evaluator closures with equal envelopes: order by
			// identity is unavailable, so keep them unequal but stable.
			return -1
		}
		return 0
	case ExportFun:
		y, ok := b.(ExportFun)
		if !ok {
			return 1
		}
		if c := strings.Compare(string(x.Module), string(y.Module)); c != 0 {
			return c
		}
		if c := strings.Compare(string(x.Function), string(y.Function)); c != 0 {
			return c
		}
		return cmp3(x.Arity, y.Arity)
	}
	return 0
}

func bitsOf(t Term) ([]byte, int) {
	switch v := t.(type) {
	case Binary:
		return v, len(v) * 8
	case Bitstring:
		return v.Data, v.BitSize()
	}
	return nil, 0
}

func compareBits(a, b Term) int {
	xd, xn := bitsOf(a)
	yd, yn := bitsOf(b)
	n := min(xn, yn)
	full := n / 8
	if c := bytes.Compare(xd[:full], yd[:full]); c != 0 {
		return c
	}
	if rem := n % 8; rem != 0 {
		mask := byte(0xFF << (8 - rem))
		if c := cmp3(xd[full]&mask, yd[full]&mask); c != 0 {
			return c
		}
	}
	return cmp3(xn, yn)
}
