package stdlib

import (
	"slices"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/term"
)

// maxSeq bounds the lists lists:seq and lists:duplicate build (a shell
// typo must not take the node's memory).
const maxSeq = 1 << 24

func registerLists(reg *rpc.Registry) {
	l := func(name term.Atom, arity int, f func(a []term.Term) (term.Term, error)) {
		reg.Register("lists", name, arity, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) { return f(a) })
	}
	l("reverse", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, fc("lists", "reverse", a)
		}
		out := slices.Clone(xs)
		slices.Reverse(out)
		return list(out), nil
	})
	l("reverse", 2, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, badarg("lists", "reverse", a)
		}
		out := slices.Clone(xs)
		slices.Reverse(out)
		return cons(out, a[1]), nil
	})
	l("seq", 2, func(a []term.Term) (term.Term, error) {
		from, ok1 := a[0].(term.Int)
		to, ok2 := a[1].(term.Int)
		if !ok1 || !ok2 || from-1 > to {
			return nil, fc("lists", "seq", a)
		}
		return seq(from, to, 1, a)
	})
	l("seq", 3, func(a []term.Term) (term.Term, error) {
		from, ok1 := a[0].(term.Int)
		to, ok2 := a[1].(term.Int)
		inc, ok3 := a[2].(term.Int)
		switch {
		case !ok1 || !ok2 || !ok3:
			return nil, fc("lists", "seq", a)
		case inc > 0 && from-inc <= to, inc < 0 && from-inc >= to:
			return seq(from, to, inc, a)
		case inc == 0 && from == to:
			return term.List{from}, nil
		}
		return nil, raise(term.Atom("if_clause"), "lists", "seq", a)
	})
	l("sum", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, fc("lists", "sum", a)
		}
		var sum term.Term = term.Int(0)
		for _, x := range xs {
			var err error
			if sum, err = eval.Arith("+", sum, x); err != nil {
				return nil, raise(term.Atom("badarith"), "lists", "sum", a)
			}
		}
		return sum, nil
	})
	extreme := func(name term.Atom, better int) {
		l(name, 1, func(a []term.Term) (term.Term, error) {
			xs, ok := proper(a[0])
			if !ok || len(xs) == 0 {
				return nil, fc("lists", name, a)
			}
			best := xs[0]
			for _, x := range xs[1:] {
				if term.Compare(x, best)*better > 0 {
					best = x
				}
			}
			return best, nil
		})
	}
	extreme("max", 1)
	extreme("min", -1)
	l("nth", 2, func(a []term.Term) (term.Term, error) {
		n, ok1 := nonNegInt(a[0])
		xs, ok2 := proper(a[1])
		if !ok1 || !ok2 || n < 1 || n > len(xs) {
			return nil, fc("lists", "nth", a)
		}
		return xs[n-1], nil
	})
	l("nthtail", 2, func(a []term.Term) (term.Term, error) {
		n, ok1 := nonNegInt(a[0])
		xs, ok2 := proper(a[1])
		if !ok1 || !ok2 || n > len(xs) {
			return nil, fc("lists", "nthtail", a)
		}
		return list(xs[n:]), nil
	})
	l("last", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok || len(xs) == 0 {
			return nil, fc("lists", "last", a)
		}
		return xs[len(xs)-1], nil
	})
	l("droplast", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok || len(xs) == 0 {
			return nil, fc("lists", "droplast", a)
		}
		return list(xs[:len(xs)-1]), nil
	})
	l("member", 2, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[1])
		if !ok {
			return nil, badarg("lists", "member", a)
		}
		return term.Bool(slices.ContainsFunc(xs, func(x term.Term) bool { return term.ExactEqual(x, a[0]) })), nil
	})
	l("append", 2, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, badarg("erlang", "++", a)
		}
		return cons(slices.Clone(xs), a[1]), nil
	})
	l("append", 1, func(a []term.Term) (term.Term, error) {
		ls, ok := proper(a[0])
		if !ok {
			return nil, fc("lists", "append", a)
		}
		if len(ls) == 0 {
			return term.Nil, nil
		}
		var out []term.Term
		for _, x := range ls[:len(ls)-1] {
			xs, ok := proper(x)
			if !ok {
				return nil, badarg("erlang", "++", []term.Term{x, ls[len(ls)-1]})
			}
			out = append(out, xs...)
		}
		return cons(out, ls[len(ls)-1]), nil
	})
	l("flatten", 1, func(a []term.Term) (term.Term, error) {
		var out []term.Term
		if !flatten(a[0], &out) {
			return nil, fc("lists", "flatten", a)
		}
		return list(out), nil
	})
	l("sort", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, fc("lists", "sort", a)
		}
		out := slices.Clone(xs)
		slices.SortStableFunc(out, term.Compare)
		return list(out), nil
	})
	l("usort", 1, func(a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, fc("lists", "usort", a)
		}
		out := slices.Clone(xs)
		slices.SortStableFunc(out, term.Compare)
		return list(slices.CompactFunc(out, term.Equal)), nil
	})
	registerKeyLists(l)
	registerListSlices(l)
}

// seq builds From, From+Inc, ... up to To (the caller checked the
// direction), bounded by maxSeq.
func seq(from, to, inc term.Int, a []term.Term) (term.Term, error) {
	n := (int64(to)-int64(from))/int64(inc) + 1
	if n > maxSeq {
		return nil, raise(term.Atom("system_limit"), "lists", "seq", a)
	}
	out := make([]term.Term, 0, max(n, 0))
	for i := int64(0); i < n; i++ {
		out = append(out, from+term.Int(i)*inc)
	}
	return list(out), nil
}

// cons is [Elems... | Tail], a proper list when Tail is one.
func cons(elems []term.Term, tail term.Term) term.Term {
	if len(elems) == 0 {
		return tail
	}
	if t, ok := term.AsList(tail); ok {
		return term.List(append(elems, t...))
	}
	return term.Cons(elems, tail)
}

// flatten appends the elements of the deep proper list t to out.
func flatten(t term.Term, out *[]term.Term) bool {
	xs, ok := proper(t)
	if !ok {
		return false
	}
	for _, x := range xs {
		if term.IsProperList(x) {
			if !flatten(x, out) {
				return false
			}
			continue
		}
		if _, improper := x.(term.ImproperList); improper {
			return false
		}
		*out = append(*out, x)
	}
	return true
}
