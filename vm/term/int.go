package term

import (
	"cmp"
	"math"
	"math/big"
)

// BigInteger returns v as a normalised integer term: Int when it fits in
// int64, otherwise a BigInt holding a private copy.
func BigInteger(v *big.Int) Term {
	if v.IsInt64() {
		return Int(v.Int64())
	}
	return BigInt{V: new(big.Int).Set(v)}
}

// Uint64 returns v as a normalised integer term.
func Uint64(v uint64) Term {
	if v <= math.MaxInt64 {
		return Int(v)
	}
	return BigInt{V: new(big.Int).SetUint64(v)}
}

// ToBig returns the value of an integer term (Int or BigInt) as a new
// big.Int, and false for any other term.
func ToBig(t Term) (*big.Int, bool) {
	switch v := t.(type) {
	case Int:
		return big.NewInt(int64(v)), true
	case BigInt:
		return new(big.Int).Set(v.V), true
	}
	return nil, false
}

// IsInteger reports whether t is an Int or BigInt.
func IsInteger(t Term) bool {
	switch t.(type) {
	case Int, BigInt:
		return true
	}
	return false
}

// IsNumber reports whether t is an integer or a float.
func IsNumber(t Term) bool {
	switch t.(type) {
	case Int, BigInt, Float:
		return true
	}
	return false
}

// compareNumbers orders two numbers by value (Erlang's ==/< on numbers).
func compareNumbers(a, b Term) int {
	switch x := a.(type) {
	case Int:
		switch y := b.(type) {
		case Int:
			return cmp3(x, y)
		case BigInt:
			return -y.V.Sign()
		case Float:
			return -compareFloatInt(float64(y), x)
		}
	case BigInt:
		switch y := b.(type) {
		case Int:
			return x.V.Sign()
		case BigInt:
			return x.V.Cmp(y.V)
		case Float:
			return -compareFloatBig(float64(y), x.V)
		}
	case Float:
		switch y := b.(type) {
		case Int:
			return compareFloatInt(float64(x), y)
		case BigInt:
			return compareFloatBig(float64(x), y.V)
		case Float:
			return cmp3(x, y)
		}
	}
	return 0
}

func compareFloatInt(f float64, i Int) int {
	// Exact when |i| < 2^53; otherwise fall back to big arithmetic.
	if i > -(1<<53) && i < 1<<53 {
		return cmp3(f, float64(i))
	}
	return compareFloatBig(f, big.NewInt(int64(i)))
}

func compareFloatBig(f float64, b *big.Int) int {
	bf := new(big.Float).SetInt(b)
	return big.NewFloat(f).Cmp(bf)
}

func cmp3[T cmp.Ordered](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
