package eval

import (
	"math"
	"math/big"

	"github.com/avmsh/avmsh/vm/term"
)

func badarg(name term.Atom, args []term.Term) error { return bifError(atomBadarg, name, args) }

func isFunTerm(t term.Term) (int, bool) {
	switch f := t.(type) {
	case *term.Fun:
		return int(f.Arity), true
	case term.ExportFun:
		return int(f.Arity), true
	}
	return 0, false
}

func typeTest(f func(term.Term) bool) bifFunc {
	return func(_ *machine, a []term.Term) (term.Term, error) { return term.Bool(f(a[0])), nil }
}

func typeBIFs() map[bifKey]bifFunc {
	return map[bifKey]bifFunc{
		{"is_atom", 1}:   typeTest(func(t term.Term) bool { _, ok := t.(term.Atom); return ok }),
		{"is_binary", 1}: typeTest(func(t term.Term) bool { _, ok := t.(term.Binary); return ok }),
		{"is_bitstring", 1}: typeTest(func(t term.Term) bool {
			switch t.(type) {
			case term.Binary, term.Bitstring:
				return true
			}
			return false
		}),
		{"is_boolean", 1}:  typeTest(func(t term.Term) bool { _, ok := isBool(t); return ok }),
		{"is_float", 1}:    typeTest(func(t term.Term) bool { _, ok := t.(term.Float); return ok }),
		{"is_function", 1}: typeTest(func(t term.Term) bool { _, ok := isFunTerm(t); return ok }),
		{"is_integer", 1}:  typeTest(term.IsInteger),
		{"is_list", 1}: typeTest(func(t term.Term) bool {
			switch t.(type) {
			case term.List, term.Chars, term.ImproperList:
				return true
			}
			return false
		}),
		{"is_map", 1}:       typeTest(func(t term.Term) bool { _, ok := t.(term.Map); return ok }),
		{"is_number", 1}:    typeTest(term.IsNumber),
		{"is_pid", 1}:       typeTest(func(t term.Term) bool { _, ok := t.(term.Pid); return ok }),
		{"is_port", 1}:      typeTest(func(t term.Term) bool { _, ok := t.(term.Port); return ok }),
		{"is_reference", 1}: typeTest(func(t term.Term) bool { _, ok := t.(term.Ref); return ok }),
		{"is_tuple", 1}:     typeTest(func(t term.Term) bool { _, ok := t.(term.Tuple); return ok }),
		{"is_function", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok := a[1].(term.Int)
			if !ok || n < 0 {
				return nil, badarg("is_function", a)
			}
			ar, isF := isFunTerm(a[0])
			return term.Bool(isF && ar == int(n)), nil
		},
		{"is_record", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			if _, ok := a[1].(term.Atom); !ok {
				return nil, badarg("is_record", a)
			}
			t, ok := a[0].(term.Tuple)
			return term.Bool(ok && len(t) > 0 && t[0] == a[1]), nil
		},
		{"is_record", 3}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok := a[2].(term.Int)
			if _, isAtom := a[1].(term.Atom); !isAtom || !ok {
				return nil, badarg("is_record", a)
			}
			t, ok := a[0].(term.Tuple)
			return term.Bool(ok && len(t) == int(n) && len(t) > 0 && t[0] == a[1]), nil
		},
		{"is_map_key", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			mp, ok := a[1].(term.Map)
			if !ok {
				return nil, bifError(tag("badmap", a[1]), "is_map_key", a)
			}
			_, found := mp.Get(a[0])
			return term.Bool(found), nil
		},
	}
}

func listLen(t term.Term) (int, bool) { return term.ListLen(t) }

func dataBIFs() map[bifKey]bifFunc {
	return map[bifKey]bifFunc{
		{"abs", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			switch v := a[0].(type) {
			case term.Int:
				if v < 0 {
					r, _ := negate(v)
					return r, nil
				}
				return v, nil
			case term.BigInt:
				return term.BigInteger(new(big.Int).Abs(v.V)), nil
			case term.Float:
				return term.Float(math.Abs(float64(v))), nil
			}
			return nil, badarg("abs", a)
		},
		{"element", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok1 := a[0].(term.Int)
			t, ok2 := a[1].(term.Tuple)
			if !ok1 || !ok2 || n < 1 || int64(n) > int64(len(t)) {
				return nil, badarg("element", a)
			}
			return t[n-1], nil
		},
		{"setelement", 3}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok1 := a[0].(term.Int)
			t, ok2 := a[1].(term.Tuple)
			if !ok1 || !ok2 || n < 1 || int64(n) > int64(len(t)) {
				return nil, badarg("setelement", a)
			}
			out := append(term.Tuple(nil), t...)
			out[n-1] = a[2]
			return out, nil
		},
		{"tuple_size", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			t, ok := a[0].(term.Tuple)
			if !ok {
				return nil, badarg("tuple_size", a)
			}
			return term.Int(len(t)), nil
		},
		{"size", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			switch v := a[0].(type) {
			case term.Tuple:
				return term.Int(len(v)), nil
			case term.Binary:
				return term.Int(len(v)), nil
			case term.Bitstring:
				return term.Int(len(v.Data)), nil
			}
			return nil, badarg("size", a)
		},
		{"byte_size", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			_, n, ok := bitsOf(a[0])
			if !ok {
				return nil, badarg("byte_size", a)
			}
			return term.Int((n + 7) / 8), nil
		},
		{"bit_size", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			_, n, ok := bitsOf(a[0])
			if !ok {
				return nil, badarg("bit_size", a)
			}
			return term.Int(n), nil
		},
		{"length", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok := listLen(a[0])
			if !ok {
				return nil, badarg("length", a)
			}
			return term.Int(n), nil
		},
		{"hd", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			if h, _, ok := term.Uncons(a[0]); ok {
				return h, nil
			}
			return nil, badarg("hd", a)
		},
		{"tl", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			if _, t, ok := term.Uncons(a[0]); ok {
				return t, nil
			}
			return nil, badarg("tl", a)
		},
		{"max", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			if term.Compare(a[0], a[1]) < 0 {
				return a[1], nil
			}
			return a[0], nil
		},
		{"min", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			if term.Compare(a[0], a[1]) > 0 {
				return a[1], nil
			}
			return a[0], nil
		},
		{"map_size", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			mp, ok := a[0].(term.Map)
			if !ok {
				return nil, bifError(tag("badmap", a[0]), "map_size", a)
			}
			return term.Int(mp.Len()), nil
		},
		{"map_get", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			mp, ok := a[1].(term.Map)
			if !ok {
				return nil, bifError(tag("badmap", a[1]), "map_get", a)
			}
			v, found := mp.Get(a[0])
			if !found {
				return nil, bifError(tag("badkey", a[0]), "map_get", a)
			}
			return v, nil
		},
		{"tuple_to_list", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			t, ok := a[0].(term.Tuple)
			if !ok {
				return nil, badarg("tuple_to_list", a)
			}
			if len(t) == 0 {
				return term.Nil, nil
			}
			return term.List(append([]term.Term(nil), t...)), nil
		},
		{"list_to_tuple", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			l, ok := term.AsList(a[0])
			if !ok {
				return nil, badarg("list_to_tuple", a)
			}
			return term.Tuple(append([]term.Term(nil), l...)), nil
		},
		{"make_tuple", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok := a[0].(term.Int)
			if !ok || n < 0 || n > 1<<24 {
				return nil, badarg("make_tuple", a)
			}
			t := make(term.Tuple, n)
			for i := range t {
				t[i] = a[1]
			}
			return t, nil
		},
		{"append_element", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			t, ok := a[0].(term.Tuple)
			if !ok {
				return nil, badarg("append_element", a)
			}
			return append(append(term.Tuple(nil), t...), a[1]), nil
		},
		{"delete_element", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok1 := a[0].(term.Int)
			t, ok2 := a[1].(term.Tuple)
			if !ok1 || !ok2 || n < 1 || int64(n) > int64(len(t)) {
				return nil, badarg("delete_element", a)
			}
			out := append(term.Tuple(nil), t[:n-1]...)
			return append(out, t[n:]...), nil
		},
		{"insert_element", 3}: func(_ *machine, a []term.Term) (term.Term, error) {
			n, ok1 := a[0].(term.Int)
			t, ok2 := a[1].(term.Tuple)
			if !ok1 || !ok2 || n < 1 || int64(n) > int64(len(t))+1 {
				return nil, badarg("insert_element", a)
			}
			out := append(term.Tuple(nil), t[:n-1]...)
			out = append(out, a[2])
			return append(out, t[n-1:]...), nil
		},
		{"binary_part", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			pl, ok := a[1].(term.Tuple)
			if !ok || len(pl) != 2 {
				return nil, badarg("binary_part", a)
			}
			return binaryPart("binary_part", a, a[0], pl[0], pl[1])
		},
		{"binary_part", 3}: func(_ *machine, a []term.Term) (term.Term, error) {
			return binaryPart("binary_part", a, a[0], a[1], a[2])
		},
		{"trunc", 1}: roundBIF("trunc", math.Trunc),
		{"round", 1}: roundBIF("round", math.Round),
		{"floor", 1}: roundBIF("floor", math.Floor),
		{"ceil", 1}:  roundBIF("ceil", math.Ceil),
		{"float", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			f, ok := toFloat(a[0])
			if !ok {
				return nil, badarg("float", a)
			}
			return term.Float(f), nil
		},
		{"split_binary", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			b, ok1 := a[0].(term.Binary)
			n, ok2 := a[1].(term.Int)
			if !ok1 || !ok2 || n < 0 || int(n) > len(b) {
				return nil, badarg("split_binary", a)
			}
			return term.Tuple{term.Binary(append([]byte(nil), b[:n]...)), term.Binary(append([]byte(nil), b[n:]...))}, nil
		},
	}
}

func binaryPart(name term.Atom, args []term.Term, bin, start, length term.Term) (term.Term, error) {
	b, ok1 := bin.(term.Binary)
	s, ok2 := start.(term.Int)
	l, ok3 := length.(term.Int)
	if !ok1 || !ok2 || !ok3 {
		return nil, badarg(name, args)
	}
	from, to := int64(s), int64(s)+int64(l)
	if from > to {
		from, to = to, from
	}
	if from < 0 || to > int64(len(b)) {
		return nil, badarg(name, args)
	}
	return term.Binary(append([]byte(nil), b[from:to]...)), nil
}

// roundBIF is trunc/round/floor/ceil: integers unchanged, floats
// rounded to an integer (a bignum when needed).
func roundBIF(name term.Atom, f func(float64) float64) bifFunc {
	return func(_ *machine, a []term.Term) (term.Term, error) {
		switch v := a[0].(type) {
		case term.Int, term.BigInt:
			return v, nil
		case term.Float:
			r := f(float64(v))
			bf, _ := new(big.Float).SetFloat64(r).Int(nil)
			return term.BigInteger(bf), nil
		}
		return nil, badarg(name, a)
	}
}
