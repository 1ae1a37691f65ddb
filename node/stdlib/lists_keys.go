package stdlib

import (
	"slices"

	"github.com/avmsh/avmsh/vm/term"
)

type listFn func(name term.Atom, arity int, f func(a []term.Term) (term.Term, error))

// keyIndex returns N (1-based) and the list of a key function's
// arguments (Key, N, List).
func keyArgs(n, l term.Term) (int, term.List, bool) {
	i, ok1 := nonNegInt(n)
	xs, ok2 := proper(l)
	return i, xs, ok1 && ok2 && i >= 1
}

// keyMatch reports whether x is a tuple whose Nth element == key.
func keyMatch(x term.Term, n int, key term.Term) bool {
	t, ok := x.(term.Tuple)
	return ok && len(t) >= n && term.Equal(t[n-1], key)
}

func registerKeyLists(l listFn) {
	l("keyfind", 3, func(a []term.Term) (term.Term, error) {
		n, xs, ok := keyArgs(a[1], a[2])
		if !ok {
			return nil, badarg("lists", "keyfind", a)
		}
		for _, x := range xs {
			if keyMatch(x, n, a[0]) {
				return x, nil
			}
		}
		return term.Atom("false"), nil
	})
	l("keymember", 3, func(a []term.Term) (term.Term, error) {
		n, xs, ok := keyArgs(a[1], a[2])
		if !ok {
			return nil, badarg("lists", "keymember", a)
		}
		return term.Bool(slices.ContainsFunc(xs, func(x term.Term) bool { return keyMatch(x, n, a[0]) })), nil
	})
	l("keydelete", 3, func(a []term.Term) (term.Term, error) {
		n, xs, ok := keyArgs(a[1], a[2])
		if !ok {
			return nil, fc("lists", "keydelete", a)
		}
		if i := slices.IndexFunc(xs, func(x term.Term) bool { return keyMatch(x, n, a[0]) }); i >= 0 {
			return list(slices.Delete(slices.Clone(xs), i, i+1)), nil
		}
		return xs, nil
	})
	replace := func(name term.Atom, store bool) {
		l(name, 4, func(a []term.Term) (term.Term, error) {
			n, xs, ok := keyArgs(a[1], a[2])
			if !ok {
				return nil, fc("lists", name, a)
			}
			if i := slices.IndexFunc(xs, func(x term.Term) bool { return keyMatch(x, n, a[0]) }); i >= 0 {
				out := slices.Clone(xs)
				out[i] = a[3]
				return out, nil
			}
			if store {
				return append(slices.Clone(xs), a[3]), nil
			}
			return xs, nil
		})
	}
	replace("keyreplace", false)
	replace("keystore", true)
	l("keysort", 2, func(a []term.Term) (term.Term, error) {
		n, xs, ok := keyArgs(a[0], a[1])
		if !ok {
			return nil, fc("lists", "keysort", a)
		}
		for _, x := range xs {
			if t, ok := x.(term.Tuple); !ok || len(t) < n {
				return nil, fc("lists", "keysort", a)
			}
		}
		out := slices.Clone(xs)
		slices.SortStableFunc(out, func(x, y term.Term) int { return term.Compare(x.(term.Tuple)[n-1], y.(term.Tuple)[n-1]) })
		return list(out), nil
	})
}

func registerListSlices(l listFn) {
	l("zip", 2, func(a []term.Term) (term.Term, error) {
		xs, ok1 := proper(a[0])
		ys, ok2 := proper(a[1])
		if !ok1 || !ok2 || len(xs) != len(ys) {
			return nil, fc("lists", "zip", a)
		}
		out := make([]term.Term, len(xs))
		for i := range xs {
			out[i] = term.Tuple{xs[i], ys[i]}
		}
		return list(out), nil
	})
	l("unzip", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, fc("lists", "unzip", a)
		}
		as, bs := make([]term.Term, len(xs)), make([]term.Term, len(xs))
		for i, x := range xs {
			t, ok := x.(term.Tuple)
			if !ok || len(t) != 2 {
				return nil, fc("lists", "unzip", a)
			}
			as[i], bs[i] = t[0], t[1]
		}
		return term.Tuple{list(as), list(bs)}, nil
	})
	l("delete", 2, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[1])
		if !ok {
			return nil, fc("lists", "delete", a)
		}
		if i := slices.IndexFunc(xs, func(x term.Term) bool { return term.ExactEqual(x, a[0]) }); i >= 0 {
			return list(slices.Delete(slices.Clone(xs), i, i+1)), nil
		}
		return xs, nil
	})
	l("subtract", 2, func(a []term.Term) (term.Term, error) {
		xs, ok1 := proper(a[0])
		ys, ok2 := proper(a[1])
		if !ok1 || !ok2 {
			return nil, badarg("erlang", "--", a)
		}
		out := slices.Clone(xs)
		for _, y := range ys {
			if i := slices.IndexFunc(out, func(x term.Term) bool { return term.ExactEqual(x, y) }); i >= 0 {
				out = slices.Delete(out, i, i+1)
			}
		}
		return list(out), nil
	})
	l("duplicate", 2, func(a []term.Term) (term.Term, error) {
		n, ok := nonNegInt(a[0])
		if !ok {
			return nil, fc("lists", "duplicate", a)
		}
		if n > maxSeq {
			return nil, raise(term.Atom("system_limit"), "lists", "duplicate", a)
		}
		out := make([]term.Term, n)
		for i := range out {
			out[i] = a[1]
		}
		return list(out), nil
	})
	l("sublist", 2, func(a []term.Term) (term.Term, error) {
		xs, ok1 := proper(a[0])
		n, ok2 := nonNegInt(a[1])
		if !ok1 || !ok2 {
			return nil, fc("lists", "sublist", a)
		}
		return list(xs[:min(n, len(xs))]), nil
	})
	l("sublist", 3, func(a []term.Term) (term.Term, error) {
		xs, ok1 := proper(a[0])
		start, ok2 := nonNegInt(a[1])
		n, ok3 := nonNegInt(a[2])
		if !ok1 || !ok2 || !ok3 || start < 1 || start > len(xs)+1 {
			return nil, fc("lists", "sublist", a)
		}
		rest := xs[start-1:]
		return list(rest[:min(n, len(rest))]), nil
	})
	l("split", 2, func(a []term.Term) (term.Term, error) {
		n, ok1 := nonNegInt(a[0])
		xs, ok2 := proper(a[1])
		if !ok1 || !ok2 || n > len(xs) {
			return nil, badarg("lists", "split", a)
		}
		return term.Tuple{list(slices.Clone(xs[:n])), list(xs[n:])}, nil
	})
	l("prefix", 2, func(a []term.Term) (term.Term, error) {
		xs, ok1 := proper(a[0])
		ys, ok2 := proper(a[1])
		if !ok1 || !ok2 {
			return nil, fc("lists", "prefix", a)
		}
		return term.Bool(len(xs) <= len(ys) && slices.EqualFunc(xs, ys[:len(xs)], term.ExactEqual)), nil
	})
	l("suffix", 2, func(a []term.Term) (term.Term, error) {
		xs, ok1 := proper(a[0])
		ys, ok2 := proper(a[1])
		if !ok1 || !ok2 {
			return nil, fc("lists", "suffix", a)
		}
		return term.Bool(len(xs) <= len(ys) && slices.EqualFunc(xs, ys[len(ys)-len(xs):], term.ExactEqual)), nil
	})
}
