package eval

import (
	"github.com/avmsh/avmsh/vm/erl/scan"
)

// The variable table of the checker, after erl_lint's: each variable is
// bound, exported from a case/if/receive/try (usable), unsafe (bound in
// only some branches, or inside a catch/try) or a stack trace variable
// (not usable in a guard). Tables are immutable slices sorted by name
// (erl_lint's orddicts): shell expressions bind few variables, for which
// merging sorted slices is cheaper than maps.

type vstate uint8

const (
	vBound vstate = iota
	vExport
	vUnsafe
	vStack
)

type vinfo struct {
	state vstate
	// in names the construct for unsafe/export: 'case', 'try', ...
	in  string
	pos scan.Pos
}

type ventry struct {
	name string
	info vinfo
}

type vtab []ventry

func single(name string, info vinfo) vtab { return vtab{{name, info}} }

func (t vtab) get(name string) (vinfo, bool) {
	lo, hi := 0, len(t)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case t[m].name == name:
			return t[m].info, true
		case t[m].name < name:
			lo = m + 1
		default:
			hi = m
		}
	}
	return vinfo{}, false
}

func (t vtab) has(name string) bool { _, ok := t.get(name); return ok }

// merge walks a and b in order; both(x, y) decides a common entry.
func merge(a, b vtab, both func(x, y vinfo) vinfo) vtab {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make(vtab, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].name == b[j].name:
			out = append(out, ventry{a[i].name, both(a[i].info, b[j].info)})
			i++
			j++
		case a[i].name < b[j].name:
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// vtupdate: all of vt0, with the entries of u taking precedence.
func vtupdate(u, vt0 vtab) vtab {
	return merge(u, vt0, func(x, _ vinfo) vinfo { return x })
}

func mergeState(a, b vinfo) vinfo {
	switch {
	case a.state == vUnsafe:
		return a
	case b.state == vUnsafe:
		return b
	case a.state == vBound:
		return b
	case b.state == vBound:
		return a
	}
	return a
}

// vtmerge: the union, merging the states of common variables.
func vtmerge(a, b vtab) vtab { return merge(a, b, mergeState) }

func filter(n vtab, keep func(string) bool) vtab {
	var out vtab
	for _, e := range n {
		if keep(e.name) {
			out = append(out, e)
		}
	}
	return out
}

// vtnew: the entries of n not in old.
func vtnew(n, old vtab) vtab {
	if len(old) == 0 {
		return n
	}
	return filter(n, func(k string) bool { return !old.has(k) })
}

// vtold: the entries of n that are in old.
func vtold(n, old vtab) vtab { return filter(n, old.has) }

// vtunsafe marks the variables new in u (relative to vt) unsafe in the
// construct in at pos.
func vtunsafe(in string, pos scan.Pos, u, vt vtab) vtab {
	var out vtab
	for _, e := range vtnew(u, vt) {
		out = append(out, ventry{e.name, vinfo{state: vUnsafe, in: in, pos: pos}})
	}
	return out
}

func vtNoUnsafe(t vtab) vtab {
	var out vtab
	for _, e := range t {
		if e.info.state != vUnsafe {
			out = append(out, e)
		}
	}
	return out
}

// icrtExport computes which variables a case/if/receive/try exports:
// known ones stay bound, new ones bound in every clause are exported,
// others are unsafe.
func icrtExport(clauses []vtab, vt vtab, in string, pos scan.Pos) vtab {
	var all vtab
	for _, c := range clauses {
		all = vtupdate(all, c)
	}
	out := make(vtab, 0, len(all))
	for _, e := range all {
		k := e.name
		if old, ok := vt.get(k); ok {
			if old.state == vExport {
				out = append(out, ventry{k, old})
			} else {
				out = append(out, ventry{k, vinfo{state: vBound}})
			}
			continue
		}
		count := 0
		st := vinfo{state: vExport, in: in, pos: pos}
		for _, c := range clauses {
			v, ok := c.get(k)
			if !ok {
				continue
			}
			count++
			if v.state == vUnsafe {
				if st.state == vUnsafe {
					st = vinfo{state: vUnsafe, in: in, pos: pos}
				} else {
					st = v
				}
			}
		}
		if count != len(clauses) {
			st = vinfo{state: vUnsafe, in: in, pos: pos}
		}
		out = append(out, ventry{k, st})
	}
	return out
}
