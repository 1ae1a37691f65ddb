package iolib

import (
	"math"
	"strconv"
)

// floatData is io_lib_format:float_data/1: the 21 significant digits of
// float_to_list(F) (C's "%.20e", exactly rounded) and the exponent + 1.
func floatData(f float64) ([]byte, int) {
	s := strconv.FormatFloat(math.Abs(f), 'e', 20, 64)
	var digits []byte
	e := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'e' {
			e, _ = strconv.Atoi(s[i+1:])
			break
		}
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	return digits, e + 1
}

// floatMan is io_lib_format:float_man/3: intDigits digits, '.', fracDigits
// digits taken from ds (zero-padded), rounded half up on the next digit.
// carry reports a carry out of the first digit (the digits are then all
// zero).
func floatMan(ds []byte, intDigits, fracDigits int) (string, bool) {
	n := intDigits + fracDigits
	out := make([]byte, n)
	for i := range out {
		if i < len(ds) {
			out[i] = ds[i]
		} else {
			out[i] = '0'
		}
	}
	carry := n < len(ds) && ds[n] >= '5'
	for i := n - 1; carry && i >= 0; i-- {
		if out[i] == '9' {
			out[i] = '0'
			continue
		}
		out[i]++
		carry = false
	}
	return string(out[:intDigits]) + "." + string(out[intDigits:]), carry
}

func floatExp(e int) string {
	if e >= 0 {
		return "e+" + strconv.Itoa(e)
	}
	return "e" + strconv.Itoa(e)
}

func signOf(f float64) string {
	if math.Signbit(f) {
		return "-"
	}
	return ""
}

// floatE is float_e/3 with precision p (>= 2).
func floatE(f float64, p int) string {
	ds, e := floatData(f)
	s, carry := floatMan(ds, 1, p-1)
	if carry {
		return signOf(f) + "1" + s[1:] + floatExp(e)
	}
	return signOf(f) + s + floatExp(e-1)
}

// floatF is float_f/3 with precision p (>= 1).
func floatF(f float64, p int) string {
	ds, e := floatData(f)
	if e <= 0 {
		pad := make([]byte, -e+1)
		for i := range pad {
			pad[i] = '0'
		}
		ds = append(pad, ds...)
		e = 1
	}
	s, carry := floatMan(ds, e, p)
	if carry {
		return signOf(f) + "1" + s
	}
	return signOf(f) + s
}

// float runs ~e, ~f and ~g.
func (b *builder) float(s *spec, f float64) error {
	p := s.precision
	if p < 0 {
		p = 6
	}
	switch s.control {
	case 'e':
		if p < 2 {
			return badarg("~e needs a precision of at least 2, got %d", p)
		}
		return b.floatField(floatE(f, p), s)
	case 'f':
		if p < 1 {
			return badarg("~f needs a precision of at least 1, got %d", p)
		}
		return b.floatField(floatF(f, p), s)
	}
	if p < 1 {
		return badarg("~g needs a precision of at least 1, got %d", p)
	}
	// fwrite_g/5: the f form for 0.1 =< |F| < 10000 when the precision
	// allows, else the e form. OTP compares with an atom beyond 1.0e4,
	// which is larger than any number.
	a := math.Abs(f)
	const beyond = math.MaxInt32
	e := beyond
	switch {
	case a < 0.1:
		e = -2
	case a < 1.0:
		e = -1
	case a < 10.0:
		e = 0
	case a < 100.0:
		e = 1
	case a < 1.0e3:
		e = 2
	case a < 1.0e4:
		e = 3
	}
	switch {
	case (p <= 1 && e == -1) || (e != beyond && p-1 > e && e >= -1):
		return b.floatField(floatF(f, p-1-e), s)
	case p <= 1:
		return b.floatField(floatE(f, 2), s)
	}
	return b.floatField(floatE(f, p), s)
}

// floatField is term(T, F, Adj, F, Pad) as the float writers call it.
func (b *builder) floatField(t string, s *spec) error {
	if s.width < 0 {
		b.text(t)
		return nil
	}
	return b.term([]rune(t), &spec{width: s.width, left: s.left, precision: s.width, pad: s.pad})
}
