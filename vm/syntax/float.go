package syntax

import (
	"math"
	"strconv"
)

// FormatFloat returns f as OTP 25 prints floats with ~w and ~p, which is
// float_to_list(F, [short]): the shortest digit string that reads back
// as f, in plain notation when that is short ("0.1", "100.0",
// "123456.0", "0.0001") and in scientific notation otherwise ("1.0e3",
// "1.0e-5", "9.007199254740992e15"). NaN and infinities, which Erlang
// does not have, print as the atoms nan, inf and '-inf'.
func FormatFloat(f float64) string { return string(AppendFloat(nil, f)) }

// AppendFloat appends FormatFloat(f) to dst.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "'-inf'"...)
	}
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	// Shortest round-trip digits (the same digits Ryu produces) in the
	// form d.ddddde±x; rebuild mantissa digits and the Ryu exponent.
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	epos := 0
	for i, c := range s {
		if c == 'e' {
			epos = i
			break
		}
	}
	var digits []byte
	for _, c := range s[:epos] {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	sciExp, _ := strconv.Atoi(string(s[epos+1:]))
	olen := len(digits)
	ryuExp := sciExp - olen + 1 // value = digits × 10^ryuExp

	var lower, upper int
	switch {
	case olen == 1:
		lower, upper = -4, 2
	case sciExp >= 10:
		lower, upper = -(olen + 2), 2
	default:
		lower, upper = -(olen + 2), 1
	}
	fixed := lower <= ryuExp && ryuExp <= upper
	if fixed {
		// Integers at or beyond 2^53 print in scientific notation.
		var mant uint64
		for _, c := range digits {
			mant = mant*10 + uint64(c-'0')
		}
		if (mant >= 1<<53 && ryuExp == 0) || (mant > (1<<52)/5 && ryuExp == 1) || (mant > (1<<51)/25 && ryuExp == 2) {
			fixed = false
		}
	}
	if fixed {
		whole := olen + ryuExp
		switch {
		case ryuExp >= 0:
			dst = append(dst, digits...)
			for i := 0; i < ryuExp; i++ {
				dst = append(dst, '0')
			}
			return append(dst, '.', '0')
		case whole > 0:
			dst = append(dst, digits[:whole]...)
			dst = append(dst, '.')
			return append(dst, digits[whole:]...)
		default:
			dst = append(dst, '0', '.')
			for i := 0; i < -whole; i++ {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
	}
	dst = append(dst, digits[0], '.')
	if olen == 1 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	return strconv.AppendInt(dst, int64(sciExp), 10)
}
