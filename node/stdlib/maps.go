package stdlib

import (
	"slices"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

func badmap(m term.Term, fun term.Atom, a []term.Term) error {
	return raise(term.Tuple{term.Atom("badmap"), m}, "maps", fun, a)
}

func registerMaps(reg *rpc.Registry) {
	m := func(name term.Atom, arity, mapArg int, f func(mp term.Map, a []term.Term) (term.Term, error)) {
		reg.Register("maps", name, arity, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) {
			mp, ok := a[mapArg].(term.Map)
			if !ok {
				return nil, badmap(a[mapArg], name, a)
			}
			return f(mp, a)
		})
	}
	m("get", 2, 1, func(mp term.Map, a []term.Term) (term.Term, error) {
		if v, ok := mp.Get(a[0]); ok {
			return v, nil
		}
		return nil, raise(term.Tuple{term.Atom("badkey"), a[0]}, "maps", "get", a)
	})
	m("get", 3, 1, func(mp term.Map, a []term.Term) (term.Term, error) {
		if v, ok := mp.Get(a[0]); ok {
			return v, nil
		}
		return a[2], nil
	})
	m("find", 2, 1, func(mp term.Map, a []term.Term) (term.Term, error) {
		if v, ok := mp.Get(a[0]); ok {
			return term.Tuple{term.Atom("ok"), v}, nil
		}
		return term.Atom("error"), nil
	})
	m("is_key", 2, 1, func(mp term.Map, a []term.Term) (term.Term, error) {
		_, ok := mp.Get(a[0])
		return term.Bool(ok), nil
	})
	m("put", 3, 2, func(mp term.Map, a []term.Term) (term.Term, error) { return mp.Put(a[0], a[1]), nil })
	m("update", 3, 2, func(mp term.Map, a []term.Term) (term.Term, error) {
		if _, ok := mp.Get(a[0]); !ok {
			return nil, raise(term.Tuple{term.Atom("badkey"), a[0]}, "maps", "update", a)
		}
		return mp.Put(a[0], a[1]), nil
	})
	m("remove", 2, 1, func(mp term.Map, a []term.Term) (term.Term, error) { return mp.Delete(a[0]), nil })
	m("size", 1, 0, func(mp term.Map, _ []term.Term) (term.Term, error) { return term.Int(mp.Len()), nil })
	m("keys", 1, 0, func(mp term.Map, _ []term.Term) (term.Term, error) {
		out := make([]term.Term, 0, mp.Len())
		for k := range mp.All() {
			out = append(out, k)
		}
		return list(out), nil
	})
	m("values", 1, 0, func(mp term.Map, _ []term.Term) (term.Term, error) {
		out := make([]term.Term, 0, mp.Len())
		for _, v := range mp.All() {
			out = append(out, v)
		}
		return list(out), nil
	})
	m("to_list", 1, 0, func(mp term.Map, _ []term.Term) (term.Term, error) {
		out := make([]term.Term, 0, mp.Len())
		for k, v := range mp.All() {
			out = append(out, term.Tuple{k, v})
		}
		return list(out), nil
	})
	m("merge", 2, 0, func(mp term.Map, a []term.Term) (term.Term, error) {
		m2, ok := a[1].(term.Map)
		if !ok {
			return nil, badmap(a[1], "merge", a)
		}
		kvs := append(append([]term.KV(nil), mp.Pairs()...), m2.Pairs()...)
		return term.NewMap(kvs...), nil // the second map's values win
	})
	m("with", 2, 1, func(mp term.Map, a []term.Term) (term.Term, error) {
		ks, ok := proper(a[0])
		if !ok {
			return nil, badarg("maps", "with", a)
		}
		var kvs []term.KV
		for _, k := range ks {
			if v, ok := mp.Get(k); ok {
				kvs = append(kvs, term.KV{Key: k, Value: v})
			}
		}
		return term.NewMap(kvs...), nil
	})
	m("without", 2, 1, func(mp term.Map, a []term.Term) (term.Term, error) {
		ks, ok := proper(a[0])
		if !ok {
			return nil, badarg("maps", "without", a)
		}
		var kvs []term.KV
		for k, v := range mp.All() {
			if !slices.ContainsFunc(ks, func(x term.Term) bool { return term.ExactEqual(x, k) }) {
				kvs = append(kvs, term.KV{Key: k, Value: v})
			}
		}
		return term.NewMap(kvs...), nil
	})
	reg.Register("maps", "new", 0, func(*rpc.CallContext, []term.Term) (term.Term, error) { return term.NewMap(), nil })
	reg.Register("maps", "from_list", 1, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, badarg("maps", "from_list", a)
		}
		kvs := make([]term.KV, len(xs))
		for i, x := range xs {
			t, ok := x.(term.Tuple)
			if !ok || len(t) != 2 {
				return nil, badarg("maps", "from_list", a)
			}
			kvs[i] = term.KV{Key: t[0], Value: t[1]}
		}
		return term.NewMap(kvs...), nil
	})
	reg.Register("maps", "from_keys", 2, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) {
		xs, ok := proper(a[0])
		if !ok {
			return nil, badarg("maps", "from_keys", a)
		}
		kvs := make([]term.KV, len(xs))
		for i, k := range xs {
			kvs[i] = term.KV{Key: k, Value: a[1]}
		}
		return term.NewMap(kvs...), nil
	})
}
