package eval

import (
	"math"
	"math/big"
	"slices"

	"github.com/avmsh/avmsh/vm/term"
)

var (
	atomBadarith = term.Atom("badarith")
	atomBadarg   = term.Atom("badarg")
)

// MaxIntBits bounds the size of integers the evaluator builds (larger
// results raise system_limit, as BEAM does above its own limit).
const MaxIntBits = 1 << 24

func bigOf(t term.Term) *big.Int {
	switch v := t.(type) {
	case term.Int:
		return big.NewInt(int64(v))
	case term.BigInt:
		return v.V
	}
	return nil
}

// toFloat converts a number to float64; ok is false for a non-number or
// an integer too large for a float.
func toFloat(t term.Term) (float64, bool) {
	switch v := t.(type) {
	case term.Float:
		return float64(v), true
	case term.Int:
		return float64(v), true
	case term.BigInt:
		f, _ := new(big.Float).SetInt(v.V).Float64()
		if math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

func floatResult(f float64, op term.Atom, a, b term.Term) (term.Term, *Exception) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, bifError(atomBadarith, op, []term.Term{a, b})
	}
	return term.Float(f), nil
}

func bigResult(v *big.Int, op term.Atom, args ...term.Term) (term.Term, *Exception) {
	if v.BitLen() > MaxIntBits {
		return nil, bifError(term.Atom("system_limit"), op, args)
	}
	return term.BigInteger(v), nil
}

// Arith applies an arithmetic operator (+ - * / div rem band bor bxor
// bsl bsr) to two terms with Erlang's semantics.
func Arith(op string, a, b term.Term) (term.Term, error) {
	v, e := arith(term.Atom(op), a, b)
	if e != nil {
		return nil, e
	}
	return v, nil
}

func arith(op term.Atom, a, b term.Term) (term.Term, *Exception) {
	bad := func() (term.Term, *Exception) { return nil, bifError(atomBadarith, op, []term.Term{a, b}) }
	if !term.IsNumber(a) || !term.IsNumber(b) {
		return bad()
	}
	x, xi := a.(term.Int)
	y, yi := b.(term.Int)
	_, af := a.(term.Float)
	_, bf := b.(term.Float)
	switch op {
	case "+", "-", "*":
		if af || bf {
			fx, ok1 := toFloat(a)
			fy, ok2 := toFloat(b)
			if !ok1 || !ok2 {
				return bad()
			}
			switch op {
			case "+":
				return floatResult(fx+fy, op, a, b)
			case "-":
				return floatResult(fx-fy, op, a, b)
			}
			return floatResult(fx*fy, op, a, b)
		}
		if xi && yi {
			switch op {
			case "+":
				if s := x + y; (s > x) == (y > 0) {
					return s, nil
				}
			case "-":
				if s := x - y; (s < x) == (y > 0) {
					return s, nil
				}
			case "*":
				if x == 0 || y == 0 {
					return term.Int(0), nil
				}
				if p := x * y; p/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
					return p, nil
				}
			}
		}
		r := new(big.Int)
		switch op {
		case "+":
			r.Add(bigOf(a), bigOf(b))
		case "-":
			r.Sub(bigOf(a), bigOf(b))
		default:
			if bigOf(a).BitLen()+bigOf(b).BitLen() > MaxIntBits+64 {
				return nil, bifError(term.Atom("system_limit"), op, []term.Term{a, b})
			}
			r.Mul(bigOf(a), bigOf(b))
		}
		return bigResult(r, op, a, b)
	case "/":
		fx, ok1 := toFloat(a)
		fy, ok2 := toFloat(b)
		if !ok1 || !ok2 || fy == 0 {
			return bad()
		}
		return floatResult(fx/fy, op, a, b)
	}
	// Integer-only operators.
	if !term.IsInteger(a) || !term.IsInteger(b) {
		return bad()
	}
	switch op {
	case "div", "rem":
		if (yi && y == 0) || (!yi && bigOf(b).Sign() == 0) {
			return bad()
		}
		if xi && yi && !(x == math.MinInt64 && y == -1) {
			if op == "div" {
				return x / y, nil
			}
			return x % y, nil
		}
		q, r := new(big.Int).QuoRem(bigOf(a), bigOf(b), new(big.Int))
		if op == "div" {
			return term.BigInteger(q), nil
		}
		return term.BigInteger(r), nil
	case "band", "bor", "bxor":
		if xi && yi {
			switch op {
			case "band":
				return x & y, nil
			case "bor":
				return x | y, nil
			}
			return x ^ y, nil
		}
		r := new(big.Int)
		switch op {
		case "band":
			r.And(bigOf(a), bigOf(b))
		case "bor":
			r.Or(bigOf(a), bigOf(b))
		default:
			r.Xor(bigOf(a), bigOf(b))
		}
		return term.BigInteger(r), nil
	case "bsl", "bsr":
		var shift int64
		if yi {
			shift = int64(y)
		} else {
			// A huge shift: left overflows, right gives 0 or -1.
			if (op == "bsl") == (bigOf(b).Sign() > 0) {
				if bigOf(a).Sign() == 0 {
					return term.Int(0), nil
				}
				return nil, bifError(term.Atom("system_limit"), op, []term.Term{a, b})
			}
			if bigOf(a).Sign() < 0 {
				return term.Int(-1), nil
			}
			return term.Int(0), nil
		}
		if op == "bsr" {
			shift = -shift
		}
		if shift < 0 {
			if shift < -MaxIntBits*2 {
				if bigOf(a).Sign() < 0 {
					return term.Int(-1), nil
				}
				return term.Int(0), nil
			}
			if xi {
				if shift <= -63 {
					if x < 0 {
						return term.Int(-1), nil
					}
					return term.Int(0), nil
				}
				return x >> uint(-shift), nil
			}
			return term.BigInteger(new(big.Int).Rsh(bigOf(a), uint(-shift))), nil
		}
		if bigOf(a).Sign() == 0 {
			return term.Int(0), nil
		}
		if shift+int64(bigOf(a).BitLen()) > MaxIntBits {
			return nil, bifError(term.Atom("system_limit"), op, []term.Term{a, b})
		}
		if xi && shift < 62 {
			if r := x << uint(shift); r>>uint(shift) == x {
				return r, nil
			}
		}
		return term.BigInteger(new(big.Int).Lsh(bigOf(a), uint(shift))), nil
	}
	return bad()
}

// negate is unary minus.
func negate(a term.Term) (term.Term, *Exception) {
	switch v := a.(type) {
	case term.Int:
		if v == math.MinInt64 {
			return term.BigInteger(new(big.Int).Neg(big.NewInt(int64(v)))), nil
		}
		return -v, nil
	case term.BigInt:
		return term.BigInteger(new(big.Int).Neg(v.V)), nil
	case term.Float:
		return -v, nil
	}
	return nil, bifError(atomBadarith, "-", []term.Term{a})
}

func unaryOp(op string, a term.Term) (term.Term, *Exception) {
	switch op {
	case "-":
		return negate(a)
	case "+":
		if term.IsNumber(a) {
			return a, nil
		}
		return nil, bifError(atomBadarith, "+", []term.Term{a})
	case "bnot":
		switch v := a.(type) {
		case term.Int:
			return ^v, nil
		case term.BigInt:
			return term.BigInteger(new(big.Int).Not(v.V)), nil
		}
		return nil, bifError(atomBadarith, "bnot", []term.Term{a})
	case "not":
		switch a {
		case term.True:
			return term.False, nil
		case term.False:
			return term.True, nil
		}
		return nil, bifError(atomBadarg, "not", []term.Term{a})
	}
	return nil, errorf(atomBadarg)
}

func boolOp(op string, a, b term.Term) (term.Term, *Exception) {
	x, ok1 := isBool(a)
	y, ok2 := isBool(b)
	if !ok1 || !ok2 {
		return nil, bifError(atomBadarg, term.Atom(op), []term.Term{a, b})
	}
	switch op {
	case "and":
		return term.Bool(x && y), nil
	case "or":
		return term.Bool(x || y), nil
	}
	return term.Bool(x != y), nil
}

func isBool(t term.Term) (bool, bool) {
	switch t {
	case term.True:
		return true, true
	case term.False:
		return false, true
	}
	return false, false
}

func compareOp(op string, a, b term.Term) term.Term {
	switch op {
	case "==":
		return term.Bool(term.Compare(a, b) == 0)
	case "/=":
		return term.Bool(term.Compare(a, b) != 0)
	case "=:=":
		return term.Bool(term.CompareExact(a, b) == 0)
	case "=/=":
		return term.Bool(term.CompareExact(a, b) != 0)
	case "<":
		return term.Bool(term.Compare(a, b) < 0)
	case "=<":
		return term.Bool(term.Compare(a, b) <= 0)
	case ">":
		return term.Bool(term.Compare(a, b) > 0)
	case ">=":
		return term.Bool(term.Compare(a, b) >= 0)
	}
	return term.False
}

// properList returns the elements of a proper list.
func properList(t term.Term) ([]term.Term, bool) { return term.AsList(t) }

func appendOp(a, b term.Term) (term.Term, *Exception) {
	l, ok := properList(a)
	if !ok {
		return nil, bifError(atomBadarg, "++", []term.Term{a, b})
	}
	if len(l) == 0 {
		return b, nil
	}
	return term.Cons(l, b), nil
}

func subtractOp(a, b term.Term) (term.Term, *Exception) {
	l, ok1 := properList(a)
	r, ok2 := properList(b)
	if !ok1 || !ok2 {
		return nil, bifError(atomBadarg, "--", []term.Term{a, b})
	}
	if len(r) == 0 || len(l) == 0 {
		return a, nil
	}
	if len(r) <= 8 {
		out := append(term.List(nil), l...)
		for _, x := range r {
			for i, y := range out {
				if term.CompareExact(x, y) == 0 {
					out = append(out[:i], out[i+1:]...)
					break
				}
			}
		}
		if len(out) == 0 {
			return term.Nil, nil
		}
		return out, nil
	}
	// Remove, for each distinct value, as many first occurrences as it
	// appears in r: sort r once and look each element of l up.
	sorted := append([]term.Term(nil), r...)
	slices.SortFunc(sorted, term.CompareExact)
	type cnt struct {
		v term.Term
		n int
	}
	var counts []cnt
	for _, x := range sorted {
		if len(counts) > 0 && term.CompareExact(counts[len(counts)-1].v, x) == 0 {
			counts[len(counts)-1].n++
			continue
		}
		counts = append(counts, cnt{x, 1})
	}
	out := make(term.List, 0, len(l))
	for _, y := range l {
		i, found := slices.BinarySearchFunc(counts, y, func(c cnt, t term.Term) int { return term.CompareExact(c.v, t) })
		if found && counts[i].n > 0 {
			counts[i].n--
			continue
		}
		out = append(out, y)
	}
	if len(out) == 0 {
		return term.Nil, nil
	}
	return out, nil
}

// BinaryOp applies any non-short-circuit binary operator.
func binaryOp(op string, a, b term.Term) (term.Term, *Exception) {
	switch op {
	case "+", "-", "*", "/", "div", "rem", "band", "bor", "bxor", "bsl", "bsr":
		return arith(term.Atom(op), a, b)
	case "and", "or", "xor":
		return boolOp(op, a, b)
	case "==", "/=", "=:=", "=/=", "<", "=<", ">", ">=":
		return compareOp(op, a, b), nil
	case "++":
		return appendOp(a, b)
	case "--":
		return subtractOp(a, b)
	}
	return nil, errorf(atomBadarg)
}
