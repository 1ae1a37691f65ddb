package eval

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/internal/erltext"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// MaxIOList bounds the bytes an iolist conversion produces.
const MaxIOList = 1 << 28

// iolistBytes flattens an iolist (bytes, binaries, nested lists, binary
// tail) into dst; bits permits a bitstring at the end (list_to_bitstring).
func iolistBytes(t term.Term, w *bitWriter, depth int, bits bool) bool {
	if depth > 100000 || w.Len() > MaxIOList*8 {
		return false
	}
	switch v := t.(type) {
	case term.Binary:
		if w.Len()%8 != 0 && !bits {
			return false
		}
		w.WriteBits(v, len(v)*8)
		return true
	case term.Bitstring:
		if !bits {
			return false
		}
		w.WriteBits(v.Data, v.BitSize())
		return true
	case term.List:
		for _, e := range v {
			if !iolistElem(e, w, depth, bits) {
				return false
			}
		}
		return true
	case term.Chars:
		for _, r := range string(v) {
			if r > 255 {
				return false
			}
			w.WriteUint(uint64(r), 8)
		}
		return true
	case term.ImproperList:
		for _, e := range v.Elems {
			if !iolistElem(e, w, depth, bits) {
				return false
			}
		}
		switch v.Tail.(type) {
		case term.Binary, term.Bitstring:
			return iolistBytes(v.Tail, w, depth+1, bits)
		}
	}
	return false
}

func iolistElem(e term.Term, w *bitWriter, depth int, bits bool) bool {
	if i, ok := e.(term.Int); ok {
		if i < 0 || i > 255 {
			return false
		}
		w.WriteUint(uint64(i), 8)
		return true
	}
	switch e.(type) {
	case term.Binary, term.Bitstring, term.List, term.Chars, term.ImproperList:
		return iolistBytes(e, w, depth+1, bits)
	}
	return false
}

// charList returns the code points of a proper list of characters.
func charList(t term.Term) ([]rune, bool) {
	n, ok := term.ListLen(t)
	if !ok {
		return nil, false
	}
	out := make([]rune, n)
	for i, e := range term.ListElems(t) {
		c, ok := e.(term.Int)
		if !ok || c < 0 || c > 0x10FFFF {
			return nil, false
		}
		out[i] = rune(c)
	}
	return out, true
}

func runesToList(rs []rune) term.Term {
	if len(rs) == 0 {
		return term.Nil
	}
	out := make(term.List, len(rs))
	for i, r := range rs {
		out[i] = term.Int(r)
	}
	return out
}

func bytesToList(b []byte) term.Term {
	if len(b) == 0 {
		return term.Nil
	}
	out := make(term.List, len(b))
	for i, c := range b {
		out[i] = term.Int(c)
	}
	return out
}

func atomFromRunes(rs []rune) (term.Atom, bool) {
	if len(rs) > 255 {
		return "", false
	}
	return term.Atom(string(rs)), true
}

func encodingArg(t term.Term) (string, bool) {
	switch t {
	case term.Atom("latin1"):
		return "latin1", true
	case term.Atom("utf8"), term.Atom("unicode"):
		return "utf8", true
	}
	return "", false
}

func atomToBinary(a term.Atom, enc string) (term.Term, bool) {
	if enc == "utf8" {
		return term.Binary(a), true
	}
	out := make([]byte, 0, len(a))
	for _, r := range string(a) {
		if r > 255 {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return term.Binary(out), true
}

func binaryToAtom(b term.Binary, enc string) (term.Atom, bool) {
	var rs []rune
	if enc == "utf8" {
		if !utf8.Valid(b) {
			return "", false
		}
		rs = []rune(string(b))
	} else {
		rs = make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
	}
	return atomFromRunes(rs)
}

func parseIntBase(s string, base int) (term.Term, bool) {
	if s == "" {
		return nil, false
	}
	digits := s
	if s[0] == '+' || s[0] == '-' {
		digits = s[1:]
	}
	if digits == "" {
		return nil, false
	}
	for _, c := range digits {
		if erltext.DigitValue(c) >= base {
			return nil, false
		}
	}
	if len(s) > 1<<20 {
		return nil, false
	}
	n, ok := new(big.Int).SetString(s, base)
	if !ok {
		return nil, false
	}
	return term.BigInteger(n), true
}

func intToString(v term.Term, base int) string {
	return strings.ToUpper(bigOf(v).Text(base))
}

// parseErlFloat accepts Erlang float syntax: [+-]D+.D+[(e|E)[+-]D+].
func parseErlFloat(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	d0 := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d0 || i >= len(s) || s[i] != '.' {
		return 0, false
	}
	i++
	d1 := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d1 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d2 := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d2 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// formatFloatOpts implements float_to_list/2's options.
func formatFloatOpts(f float64, opts term.Term) (string, bool) {
	l, ok := term.AsList(opts)
	if !ok {
		return "", false
	}
	mode, prec, compact := "sci", 20, false
	for _, o := range l {
		switch v := o.(type) {
		case term.Atom:
			switch v {
			case "compact":
				compact = true
			case "short":
				mode = "short"
			default:
				return "", false
			}
		case term.Tuple:
			if len(v) != 2 {
				return "", false
			}
			n, ok := v[1].(term.Int)
			if !ok || n < 0 {
				return "", false
			}
			switch v[0] {
			case term.Atom("decimals"):
				if n > 253 {
					return "", false
				}
				mode, prec = "dec", int(n)
			case term.Atom("scientific"):
				if n > 249 {
					return "", false
				}
				mode, prec = "sci", int(n)
			default:
				return "", false
			}
		default:
			return "", false
		}
	}
	switch mode {
	case "short":
		return syntax.FormatFloat(f), true
	case "dec":
		s := strconv.FormatFloat(f, 'f', prec, 64)
		if compact && strings.Contains(s, ".") {
			s = strings.TrimRight(s, "0")
			if strings.HasSuffix(s, ".") {
				s += "0"
			}
		}
		return s, true
	}
	return strconv.FormatFloat(f, 'e', prec, 64), true
}

func convBIFs() map[bifKey]bifFunc {
	return map[bifKey]bifFunc{
		{"atom_to_list", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			at, ok := a[0].(term.Atom)
			if !ok {
				return nil, badarg("atom_to_list", a)
			}
			return runesToList([]rune(string(at))), nil
		},
		{"list_to_atom", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			rs, ok := charList(a[0])
			if !ok {
				return nil, badarg("list_to_atom", a)
			}
			at, ok := atomFromRunes(rs)
			if !ok {
				return nil, bifError(term.Atom("system_limit"), "list_to_atom", a)
			}
			return at, nil
		},
		{"atom_to_binary", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			at, ok := a[0].(term.Atom)
			if !ok {
				return nil, badarg("atom_to_binary", a)
			}
			return term.Binary(at), nil
		},
		{"atom_to_binary", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			at, ok := a[0].(term.Atom)
			enc, ok2 := encodingArg(a[1])
			if !ok || !ok2 {
				return nil, badarg("atom_to_binary", a)
			}
			b, ok := atomToBinary(at, enc)
			if !ok {
				return nil, badarg("atom_to_binary", a)
			}
			return b, nil
		},
		{"binary_to_atom", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			if !ok {
				return nil, badarg("binary_to_atom", a)
			}
			at, ok := binaryToAtom(b, "utf8")
			if !ok {
				return nil, badarg("binary_to_atom", a)
			}
			return at, nil
		},
		{"binary_to_atom", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			enc, ok2 := encodingArg(a[1])
			if !ok || !ok2 {
				return nil, badarg("binary_to_atom", a)
			}
			at, ok := binaryToAtom(b, enc)
			if !ok {
				return nil, badarg("binary_to_atom", a)
			}
			return at, nil
		},
		{"binary_to_list", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			if !ok {
				return nil, badarg("binary_to_list", a)
			}
			return bytesToList(b), nil
		},
		{"binary_to_list", 3}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			s, ok2 := a[1].(term.Int)
			e, ok3 := a[2].(term.Int)
			if !ok || !ok2 || !ok3 || s < 1 || e < s || int(e) > len(b) {
				return nil, badarg("binary_to_list", a)
			}
			return bytesToList(b[s-1 : e]), nil
		},
		{"bitstring_to_list", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			switch b := a[0].(type) {
			case term.Binary:
				return bytesToList(b), nil
			case term.Bitstring:
				full := len(b.Data) - 1
				l := bytesToList(b.Data[:full])
				last := subBits(b.Data, full*8, int(b.Bits))
				return term.Cons(listElems(l), last), nil
			}
			return nil, badarg("bitstring_to_list", a)
		},
		{"list_to_binary", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			var w bitWriter
			if _, isList := a[0].(term.Binary); isList || !iolistBytes(a[0], &w, 0, false) {
				return nil, badarg("list_to_binary", a)
			}
			return w.Term(), nil
		},
		{"list_to_bitstring", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			var w bitWriter
			switch a[0].(type) {
			case term.List, term.Chars, term.ImproperList:
			default:
				return nil, badarg("list_to_bitstring", a)
			}
			if !iolistBytes(a[0], &w, 0, true) {
				return nil, badarg("list_to_bitstring", a)
			}
			return w.Term(), nil
		},
		{"iolist_to_binary", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			if b, ok := a[0].(term.Binary); ok {
				return b, nil
			}
			var w bitWriter
			if !iolistBytes(a[0], &w, 0, false) || w.Len()%8 != 0 {
				return nil, badarg("iolist_to_binary", a)
			}
			return w.Term(), nil
		},
		{"iolist_size", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			var w bitWriter
			if !iolistBytes(a[0], &w, 0, false) || w.Len()%8 != 0 {
				return nil, badarg("iolist_size", a)
			}
			return term.Int(w.Len() / 8), nil
		},
		{"integer_to_list", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			if !term.IsInteger(a[0]) {
				return nil, badarg("integer_to_list", a)
			}
			return term.String(intToString(a[0], 10)), nil
		},
		{"integer_to_list", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[1].(term.Int)
			if !term.IsInteger(a[0]) || !ok || b < 2 || b > 36 {
				return nil, badarg("integer_to_list", a)
			}
			return term.String(intToString(a[0], int(b))), nil
		},
		{"integer_to_binary", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			if !term.IsInteger(a[0]) {
				return nil, badarg("integer_to_binary", a)
			}
			return term.Binary(intToString(a[0], 10)), nil
		},
		{"integer_to_binary", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[1].(term.Int)
			if !term.IsInteger(a[0]) || !ok || b < 2 || b > 36 {
				return nil, badarg("integer_to_binary", a)
			}
			return term.Binary(intToString(a[0], int(b))), nil
		},
		{"list_to_integer", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			rs, ok := charList(a[0])
			if !ok {
				return nil, badarg("list_to_integer", a)
			}
			v, ok := parseIntBase(string(rs), 10)
			if !ok {
				return nil, badarg("list_to_integer", a)
			}
			return v, nil
		},
		{"list_to_integer", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			rs, ok := charList(a[0])
			b, ok2 := a[1].(term.Int)
			if !ok || !ok2 || b < 2 || b > 36 {
				return nil, badarg("list_to_integer", a)
			}
			v, ok := parseIntBase(string(rs), int(b))
			if !ok {
				return nil, badarg("list_to_integer", a)
			}
			return v, nil
		},
		{"binary_to_integer", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			if !ok {
				return nil, badarg("binary_to_integer", a)
			}
			v, ok := parseIntBase(string(b), 10)
			if !ok {
				return nil, badarg("binary_to_integer", a)
			}
			return v, nil
		},
		{"binary_to_integer", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			base, ok2 := a[1].(term.Int)
			if !ok || !ok2 || base < 2 || base > 36 {
				return nil, badarg("binary_to_integer", a)
			}
			v, ok := parseIntBase(string(b), int(base))
			if !ok {
				return nil, badarg("binary_to_integer", a)
			}
			return v, nil
		},
		{"list_to_float", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			rs, ok := charList(a[0])
			if !ok {
				return nil, badarg("list_to_float", a)
			}
			f, ok := parseErlFloat(string(rs))
			if !ok {
				return nil, badarg("list_to_float", a)
			}
			return term.Float(f), nil
		},
		{"binary_to_float", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok := a[0].(term.Binary)
			if !ok {
				return nil, badarg("binary_to_float", a)
			}
			f, ok := parseErlFloat(string(b))
			if !ok {
				return nil, badarg("binary_to_float", a)
			}
			return term.Float(f), nil
		},
		{"float_to_list", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			f, ok := a[0].(term.Float)
			if !ok {
				return nil, badarg("float_to_list", a)
			}
			return term.String(strconv.FormatFloat(float64(f), 'e', 20, 64)), nil
		},
		{"float_to_list", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			f, ok := a[0].(term.Float)
			if !ok {
				return nil, badarg("float_to_list", a)
			}
			s, ok := formatFloatOpts(float64(f), a[1])
			if !ok {
				return nil, badarg("float_to_list", a)
			}
			return term.String(s), nil
		},
		{"float_to_binary", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			f, ok := a[0].(term.Float)
			if !ok {
				return nil, badarg("float_to_binary", a)
			}
			return term.Binary(strconv.FormatFloat(float64(f), 'e', 20, 64)), nil
		},
		{"float_to_binary", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			f, ok := a[0].(term.Float)
			if !ok {
				return nil, badarg("float_to_binary", a)
			}
			s, ok := formatFloatOpts(float64(f), a[1])
			if !ok {
				return nil, badarg("float_to_binary", a)
			}
			return term.Binary(s), nil
		},
	}
}

func listElems(t term.Term) []term.Term {
	l, _ := term.AsList(t)
	return l
}
