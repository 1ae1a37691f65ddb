package eval

import (
	"github.com/avmsh/avmsh/vm/term"
)

// hofSort is lists:sort/2: a stable merge sort that keeps A before B
// when Fun(A, B) is true.
func hofSort(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	xs, isList := term.AsList(l)
	if !isList || !isFunOf(f, 2) {
		return nil, fcError("lists", "lists.erl", "sort", a, 1017)
	}
	if len(xs) < 2 {
		return l, nil
	}
	var sortErr error
	less := func(x, y term.Term) bool {
		if sortErr != nil {
			return false
		}
		v, err := m.apply(f, []term.Term{x, y})
		if err != nil {
			sortErr = withFrames(err, lf("sort", 2, 1022))
			return false
		}
		b, isB := asBool(v)
		if !isB {
			sortErr = caseClause(v, lf("sort", 2, 1022))
			return false
		}
		return b
	}
	out := mergeSort(append([]term.Term(nil), xs...), less)
	if sortErr != nil {
		return nil, sortErr
	}
	return term.List(out), nil
}

func mergeSort(xs []term.Term, le func(a, b term.Term) bool) []term.Term {
	if len(xs) < 2 {
		return xs
	}
	mid := len(xs) / 2
	left := mergeSort(append([]term.Term(nil), xs[:mid]...), le)
	right := mergeSort(append([]term.Term(nil), xs[mid:]...), le)
	out := xs[:0]
	i, j := 0, 0
	for i < len(left) && j < len(right) {
		if le(left[i], right[j]) {
			out = append(out, left[i])
			i++
		} else {
			out = append(out, right[j])
			j++
		}
	}
	out = append(out, left[i:]...)
	return append(out, right[j:]...)
}

// stdlibInfo is [{error_info, #{module => erl_stdlib_errors}}].
func stdlibInfo() term.List {
	return term.List{term.Tuple{term.Atom("error_info"), term.NewMap(term.KV{Key: term.Atom("module"), Value: term.Atom("erl_stdlib_errors")})}}
}

func mapsError(reason term.Term, name string, args []term.Term) error {
	return &Exception{Class: ClassError, Reason: reason, Stack: term.List{term.Tuple{term.Atom("maps"), term.Atom(name), term.List(append([]term.Term(nil), args...)), stdlibInfo()}}}
}

func hofMaps(m *machine, name string, a []term.Term) (term.Term, error) {
	f, mv := a[0], a[1]
	if !isFunOf(f, 2) {
		return nil, mapsError(atomBadarg, name, a)
	}
	mp, ok := mv.(term.Map)
	if !ok {
		return nil, mapsError(tag("badmap", mv), name, a)
	}
	frames := map[string][]term.Tuple{
		"map":     {mf("map_1", 2, 439), mf("map", 2, 429)},
		"filter":  {mf("filter_1", 2, 319), mf("filter", 2, 310)},
		"foreach": {mf("foreach_1", 2, 381), mf("foreach", 2, 372)},
	}[name]
	var kvs []term.KV
	for _, kv := range mp.Pairs() {
		v, err := m.apply(f, []term.Term{kv.Key, kv.Value})
		if err != nil {
			return nil, withFrames(err, frames...)
		}
		switch name {
		case "map":
			kvs = append(kvs, term.KV{Key: kv.Key, Value: v})
		case "filter":
			b, isB := asBool(v)
			if !isB {
				return nil, caseClause(v, frames...)
			}
			if b {
				kvs = append(kvs, kv)
			}
		}
	}
	if name == "foreach" {
		return term.OK, nil
	}
	return term.NewMap(kvs...), nil
}

func hofMapsFold(m *machine, a []term.Term) (term.Term, error) {
	f, acc, mv := a[0], a[1], a[2]
	if !isFunOf(f, 3) {
		return nil, mapsError(atomBadarg, "fold", a)
	}
	mp, ok := mv.(term.Map)
	if !ok {
		return nil, mapsError(tag("badmap", mv), "fold", a)
	}
	for _, kv := range mp.Pairs() {
		v, err := m.apply(f, []term.Term{kv.Key, kv.Value, acc})
		if err != nil {
			return nil, withFrames(err, mf("fold_1", 3, 411), mf("fold", 3, 402))
		}
		acc = v
	}
	return acc, nil
}
