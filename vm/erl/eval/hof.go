package eval

import (
	"github.com/avmsh/avmsh/vm/term"
)

// The higher-order functions of lists and maps that the evaluator runs
// in Go when they get a shell fun (which the target cannot run). They
// reproduce OTP 25's results, and its errors: the exception reasons and
// the stack frames (with OTP 25's file and line) of lists.erl and
// maps.erl, so that the shell prints the same text.

type hofFunc func(m *machine, args []term.Term) (term.Term, error)

// maxFrames is BEAM's default backtrace depth.
const maxFrames = 8

func fr(mod term.Atom, file string, name string, arity int, line int) term.Tuple {
	return term.Tuple{mod, term.Atom(name), term.Int(arity), srcLoc(file, line)}
}

func lf(name string, arity, line int) term.Tuple { return fr("lists", "lists.erl", name, arity, line) }
func mf(name string, arity, line int) term.Tuple { return fr("maps", "maps.erl", name, arity, line) }

// withFrames appends caller frames to an exception passing through a
// higher-order function (up to BEAM's depth limit).
func withFrames(err error, frames ...term.Tuple) error {
	exc, ok := AsException(err)
	if !ok || len(frames) == 0 {
		return err
	}
	st, _ := term.AsList(exc.Stack)
	out := append(term.List(nil), st...)
	for _, f := range frames {
		if len(out) >= maxFrames {
			break
		}
		out = append(out, f)
	}
	return &Exception{Class: exc.Class, Reason: exc.Reason, Stack: out}
}

// repeat returns n copies of f followed by tail.
func repeat(f term.Tuple, n int, tail ...term.Tuple) []term.Tuple {
	if n > maxFrames {
		n = maxFrames
	}
	out := make([]term.Tuple, 0, n+len(tail))
	for i := 0; i < n; i++ {
		out = append(out, f)
	}
	return append(out, tail...)
}

// fcError is function_clause raised in Mod:Name(Args) at line.
func fcError(mod term.Atom, file, name string, args []term.Term, line int, callers ...term.Tuple) error {
	top := term.Tuple{mod, term.Atom(name), term.List(append([]term.Term(nil), args...)), srcLoc(file, line)}
	return withFrames(&Exception{Class: ClassError, Reason: term.Atom("function_clause"), Stack: term.List{top}}, callers...)
}

func caseClause(v term.Term, frames ...term.Tuple) error {
	return withFrames(&Exception{Class: ClassError, Reason: tag("case_clause", v), Stack: term.Nil}, frames...)
}

func isFunOf(t term.Term, arity int) bool {
	a, ok := isFunTerm(t)
	return ok && a == arity
}

// next splits a list term into head and tail; ok is false at the end,
// and isList false when t is not a list cell or [].
func next(t term.Term) (head, tail term.Term, ok, isList bool) {
	if h, tl, ok := term.Uncons(t); ok {
		return h, tl, true, true
	}
	n, isProper := term.ListLen(t)
	return nil, nil, false, isProper && n == 0
}

func asBool(v term.Term) (bool, bool) { return isBool(v) }

func listOf(xs []term.Term) term.Term {
	if len(xs) == 0 {
		return term.Nil
	}
	return term.List(xs)
}

// higherOrder are the functions of HigherOrder.
func higherOrder() map[mfaKey]hofFunc {
	return map[mfaKey]hofFunc{
		{"lists", "map", 2}:       hofMap,
		{"lists", "filter", 2}:    hofFilter,
		{"lists", "foldl", 3}:     hofFoldl,
		{"lists", "foldr", 3}:     hofFoldr,
		{"lists", "foreach", 2}:   hofForeach,
		{"lists", "any", 2}:       func(m *machine, a []term.Term) (term.Term, error) { return hofAnyAll(m, a, true) },
		{"lists", "all", 2}:       func(m *machine, a []term.Term) (term.Term, error) { return hofAnyAll(m, a, false) },
		{"lists", "flatmap", 2}:   hofFlatmap,
		{"lists", "zipwith", 3}:   hofZipwith,
		{"lists", "takewhile", 2}: hofTakewhile,
		{"lists", "dropwhile", 2}: hofDropwhile,
		{"lists", "partition", 2}: hofPartition,
		{"lists", "filtermap", 2}: hofFiltermap,
		{"lists", "sort", 2}:      hofSort,
		{"maps", "map", 2}:        func(m *machine, a []term.Term) (term.Term, error) { return hofMaps(m, "map", a) },
		{"maps", "filter", 2}:     func(m *machine, a []term.Term) (term.Term, error) { return hofMaps(m, "filter", a) },
		{"maps", "foreach", 2}:    func(m *machine, a []term.Term) (term.Term, error) { return hofMaps(m, "foreach", a) },
		{"maps", "fold", 3}:       hofMapsFold,
	}
}

// HigherOrder reports whether Mod:Fun/Arity is run in Go when it gets a
// shell fun.
func HigherOrder(mod, fun term.Atom, arity int) bool {
	_, ok := evalTables().hofs[mfaKey{mod, fun, arity}]
	return ok
}

func hofMap(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "map", a, 1313)
	}
	var out []term.Term
	for i := 0; ; i++ {
		h, t, ok, isList := next(l)
		if !isList {
			if i == 0 {
				return nil, caseClause(l, lf("map", 2, 1314))
			}
			return nil, fcError("lists", "lists.erl", "map_1", []term.Term{f, l}, 1319, repeat(lf("map_1", 2, 1320), i-1, lf("map", 2, 1315))...)
		}
		if !ok {
			return listOf(out), nil
		}
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			if i == 0 {
				return nil, withFrames(err, lf("map", 2, 1315))
			}
			return nil, withFrames(err, repeat(lf("map_1", 2, 1320), i, lf("map", 2, 1315))...)
		}
		out, l = append(out, v), t
	}
}

func hofFilter(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "filter", a, 1382)
	}
	lc := lf("-filter/2-lc$^0/1-0-", 2, 1383)
	var out []term.Term
	for {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, withFrames(errorf(tag("bad_generator", l)), repeat(lc, len(out)+1)...)
		}
		if !ok {
			return listOf(out), nil
		}
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			return nil, withFrames(err, repeat(lc, len(out)+1)...)
		}
		b, isB := asBool(v)
		if !isB {
			return nil, withFrames(errorf(tag("bad_filter", v)), repeat(lc, len(out)+1)...)
		}
		if b {
			out = append(out, h)
		}
		l = t
	}
}

func hofFoldl(m *machine, a []term.Term) (term.Term, error) {
	f, acc, l := a[0], a[1], a[2]
	if !isFunOf(f, 2) {
		return nil, fcError("lists", "lists.erl", "foldl", a, 1348)
	}
	for i := 0; ; i++ {
		h, t, ok, isList := next(l)
		if !isList {
			if i == 0 {
				return nil, caseClause(l, lf("foldl", 3, 1349))
			}
			return nil, fcError("lists", "lists.erl", "foldl_1", []term.Term{f, acc, l}, 1354)
		}
		if !ok {
			return acc, nil
		}
		v, err := m.apply(f, []term.Term{h, acc})
		if err != nil {
			if i == 0 {
				return nil, withFrames(err, lf("foldl", 3, 1350))
			}
			return nil, withFrames(err, lf("foldl_1", 3, 1355))
		}
		acc, l = v, t
	}
}

func hofFoldr(m *machine, a []term.Term) (term.Term, error) {
	f, acc, l := a[0], a[1], a[2]
	if !isFunOf(f, 2) {
		return nil, fcError("lists", "lists.erl", "foldr", a, 1368)
	}
	var elems []term.Term
	for {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "foldr_1", []term.Term{f, acc, l}, 1371, repeat(lf("foldr_1", 3, 1372), len(elems))...)
		}
		if !ok {
			break
		}
		elems, l = append(elems, h), t
	}
	for i := len(elems) - 1; i >= 0; i-- {
		v, err := m.apply(f, []term.Term{elems[i], acc})
		if err != nil {
			return nil, withFrames(err, repeat(lf("foldr_1", 3, 1372), i+1)...)
		}
		acc = v
	}
	return acc, nil
}

func hofForeach(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "foreach", a, 1438)
	}
	for {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "foreach_1", []term.Term{f, l}, 1441)
		}
		if !ok {
			return term.OK, nil
		}
		if _, err := m.apply(f, []term.Term{h}); err != nil {
			return nil, withFrames(err, lf("foreach_1", 2, 1442))
		}
		l = t
	}
}

func hofAnyAll(m *machine, a []term.Term, any bool) (term.Term, error) {
	f, l := a[0], a[1]
	name, l0 := "all", 1265
	if any {
		name, l0 = "any", 1288
	}
	// Lines: guard, case List, case Pred (first), _1 clause, _1 case.
	caseList, casePred, c1, case1 := l0+1, l0+3, l0+10, l0+11
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", name, a, l0)
	}
	for i := 0; ; i++ {
		h, t, ok, isList := next(l)
		if !isList {
			if i == 0 {
				return nil, caseClause(l, lf(name, 2, caseList))
			}
			return nil, fcError("lists", "lists.erl", name+"_1", []term.Term{f, l}, c1)
		}
		if !ok {
			return term.Bool(!any), nil
		}
		where := lf(name, 2, casePred)
		if i > 0 {
			where = lf(name+"_1", 2, case1)
		}
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			return nil, withFrames(err, where)
		}
		b, isB := asBool(v)
		if !isB {
			return nil, caseClause(v, where)
		}
		if b == any {
			return term.Bool(any), nil
		}
		l = t
	}
}

func hofFlatmap(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "flatmap", a, 1331)
	}
	var parts []term.Term
	for i := 0; ; i++ {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "flatmap_1", []term.Term{f, l}, 1334, repeat(lf("flatmap_1", 2, 1335), i)...)
		}
		if !ok {
			break
		}
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			return nil, withFrames(err, repeat(lf("flatmap_1", 2, 1335), i+1)...)
		}
		parts, l = append(parts, v), t
	}
	var acc term.Term = term.Nil
	for i := len(parts) - 1; i >= 0; i-- {
		v, exc := appendOp(parts[i], acc)
		if exc != nil {
			return nil, withFrames(exc, repeat(lf("flatmap_1", 2, 1335), i+1)...)
		}
		acc = v
	}
	return acc, nil
}

func hofZipwith(m *machine, a []term.Term) (term.Term, error) {
	f, xs, ys := a[0], a[1], a[2]
	var out []term.Term
	for i := 0; ; i++ {
		x, xt, okx, _ := next(xs)
		y, yt, oky, _ := next(ys)
		if !okx || !oky {
			if isNil(xs) && isNil(ys) && isFunOf(f, 2) {
				return listOf(out), nil
			}
			return nil, fcError("lists", "lists.erl", "zipwith", []term.Term{f, xs, ys}, 483, repeat(lf("zipwith", 3, 483), i)...)
		}
		v, err := m.apply(f, []term.Term{x, y})
		if err != nil {
			return nil, withFrames(err, repeat(lf("zipwith", 3, 483), i+1)...)
		}
		out, xs, ys = append(out, v), xt, yt
	}
}

func isNil(t term.Term) bool {
	n, ok := term.ListLen(t)
	return ok && n == 0
}

func hofTakewhile(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "takewhile", a, 1495)
	}
	var out []term.Term
	for i := 0; ; i++ {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "takewhile_1", []term.Term{f, l}, 1498, repeat(lf("takewhile_1", 2, 1500), i)...)
		}
		if !ok {
			return listOf(out), nil
		}
		frames := repeat(lf("takewhile_1", 2, 1500), i)
		frames = append([]term.Tuple{lf("takewhile_1", 2, 1499)}, frames...)
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			return nil, withFrames(err, frames...)
		}
		b, isB := asBool(v)
		if !isB {
			return nil, caseClause(v, frames...)
		}
		if !b {
			return listOf(out), nil
		}
		out, l = append(out, h), t
	}
}

func hofDropwhile(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "dropwhile", a, 1512)
	}
	for {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "dropwhile_1", []term.Term{f, l}, 1515)
		}
		if !ok {
			return term.Nil, nil
		}
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			return nil, withFrames(err, lf("dropwhile_1", 2, 1516))
		}
		b, isB := asBool(v)
		if !isB {
			return nil, caseClause(v, lf("dropwhile_1", 2, 1516))
		}
		if !b {
			return l, nil
		}
		l = t
	}
}

func hofPartition(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "partition", a, 1395)
	}
	var yes, no []term.Term
	for {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "partition_1", []term.Term{f, l, reversed(yes), reversed(no)}, 1398)
		}
		if !ok {
			return term.Tuple{listOf(yes), listOf(no)}, nil
		}
		v, err := m.apply(f, []term.Term{h})
		if err != nil {
			return nil, withFrames(err, lf("partition_1", 4, 1399))
		}
		b, isB := asBool(v)
		if !isB {
			return nil, caseClause(v, lf("partition_1", 4, 1399))
		}
		if b {
			yes = append(yes, h)
		} else {
			no = append(no, h)
		}
		l = t
	}
}

func reversed(xs []term.Term) term.Term {
	out := make([]term.Term, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return listOf(out)
}

func hofFiltermap(m *machine, a []term.Term) (term.Term, error) {
	f, l := a[0], a[1]
	if !isFunOf(f, 1) {
		return nil, fcError("lists", "lists.erl", "filtermap", a, 1413)
	}
	var out []term.Term
	var kept []term.Tuple // frames of the non-tail recursive calls so far
	for {
		h, t, ok, isList := next(l)
		if !isList {
			return nil, fcError("lists", "lists.erl", "filtermap_1", []term.Term{f, l}, 1416, lastFrames(kept)...)
		}
		if !ok {
			return listOf(out), nil
		}
		v, err := m.apply(f, []term.Term{h})
		frames := append([]term.Tuple{lf("filtermap_1", 2, 1417)}, lastFrames(kept)...)
		if err != nil {
			return nil, withFrames(err, frames...)
		}
		switch {
		case v == term.True:
			out = append(out, h)
			kept = append(kept, lf("filtermap_1", 2, 1419))
		case v == term.False:
		default:
			tv, isT := v.(term.Tuple)
			if !isT || len(tv) != 2 || tv[0] != term.True {
				return nil, caseClause(v, frames...)
			}
			out = append(out, tv[1])
			kept = append(kept, lf("filtermap_1", 2, 1421))
		}
		l = t
	}
}

// lastFrames returns the innermost recursion frames first.
func lastFrames(kept []term.Tuple) []term.Tuple {
	out := make([]term.Tuple, 0, min(len(kept), maxFrames))
	for i := len(kept) - 1; i >= 0 && len(out) < maxFrames; i-- {
		out = append(out, kept[i])
	}
	return out
}
