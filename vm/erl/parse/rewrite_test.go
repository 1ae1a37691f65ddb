package parse

import (
	"reflect"
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

// TestRewriteReachesEveryForm: an atom placed in every child position of
// every expression form is replaced by Rewrite; a reflective walk (which
// knows nothing of Rewrite) finds none left, and the input is unchanged.
func TestRewriteReachesEveryForm(t *testing.T) {
	srcs := []string{
		"[zz | zz].", "{zz, zz}.", "#{zz => zz, zz := zz}.", "zz#{zz => zz}.",
		"<<zz:zz/integer, zz>>.", "zz + zz.", "-zz.", "not zz.", "zz = zz.", "zz:zz(zz).",
		"zz(zz).", "fun (zz) when zz; zz, zz -> zz end.", "fun F(zz) -> zz end.",
		"fun zz:zz/1.", "fun M:zz/A.", "case zz of zz when zz -> zz end.", "if zz -> zz end.",
		"receive zz when zz -> zz after zz -> zz end.",
		"try zz of zz -> zz catch zz:zz:S when zz -> zz after zz end.", "catch zz.",
		"begin zz, zz end.", "[zz || zz <- zz, zz <= zz, zz].", "<< zz || zz <= zz >>.",
		"zz#r.f.", "zz andalso zz orelse zz.", "zz ! zz.",
	}
	for _, src := range srcs {
		es, err := String(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		before := countZZ(reflect.ValueOf(es))
		if before == 0 {
			t.Fatalf("%s: no zz parsed", src)
		}
		out := RewriteList(es, func(e Expr) (Expr, bool) {
			if l, ok := e.(*Lit); ok && l.Val == term.Atom("zz") {
				return &Lit{P: l.P, Kind: l.Kind, Val: term.Atom("yy")}, true
			}
			return nil, false
		})
		if n := countZZ(reflect.ValueOf(out)); n != 0 {
			t.Errorf("%s: %d of %d atoms not rewritten", src, n, before)
		}
		if n := countZZ(reflect.ValueOf(es)); n != before {
			t.Errorf("%s: the input was modified", src)
		}
	}
}

// countZZ counts the Lit nodes holding the atom zz anywhere under v.
func countZZ(v reflect.Value) int {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0
		}
		if l, ok := v.Interface().(*Lit); ok {
			if l.Val == term.Atom("zz") {
				return 1
			}
			return 0
		}
		return countZZ(v.Elem())
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += countZZ(v.Field(i))
		}
		return n
	case reflect.Slice:
		n := 0
		for i := range v.Len() {
			n += countZZ(v.Index(i))
		}
		return n
	}
	return 0
}
