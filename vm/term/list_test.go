package term

import (
	"math/big"
	"slices"
	"strings"
	"testing"
)

// plain builds the List of code points of s.
func plain(s string) List { return String(s) }

// listSamples are lists (and a few other terms) as Go code builds them;
// compactForm gives the Chars of those that have one, and every pair
// must compare as the plain forms do.
var listSamples = []Term{
	Nil, List{Int(0)}, List{Int(255)}, List{Int(256)}, List{Int(-1)},
	plain("a"), plain("ab"), plain("abc"), plain("b"), plain("é"), plain("éa"),
	plain("日本"), plain("日本語"), plain("\U0010FFFF"), plain("\x7f\u0080"),
	List{Int(97), Float(98)}, List{Int(97), Atom("b")}, List{Int(0xD800)}, List{Int(0x110000)},
	List{Int(97), BigInteger(new(big.Int).Lsh(big.NewInt(1), 70))},
	ImproperList{Elems: []Term{Int(97)}, Tail: Int(1)},
	ImproperList{Elems: []Term{Int(97), Int(98)}, Tail: Atom("t")},
	ImproperList{Elems: []Term{Int(97), Int(98), Int(99)}, Tail: Binary("d")},
	List{plain("ab"), plain("c")}, List{List{Int(1)}, Int(2)},
	Tuple{plain("ab")}, NewMap(KV{plain("k"), plain("v")}),
	Atom("a"), Int(97), Binary("ab"),
}

// compactForm is the Chars of a List of code points, or t itself.
func compactForm(t Term) Term {
	l, ok := t.(List)
	if !ok || len(l) == 0 {
		return t
	}
	var sb strings.Builder
	for _, e := range l {
		c, ok := e.(Int)
		if !ok || c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) {
			return t
		}
		sb.WriteRune(rune(c))
	}
	return Chars(sb.String())
}

func TestCharsOrderAndEquality(t *testing.T) {
	compacts := 0
	for _, a := range listSamples {
		for _, b := range listSamples {
			want := Compare(a, b)
			wantExact := CompareExact(a, b)
			ca, cb := compactForm(a), compactForm(b)
			if _, ok := ca.(Chars); ok {
				compacts++
			}
			for _, p := range [][2]Term{{ca, b}, {a, cb}, {ca, cb}} {
				if got := Compare(p[0], p[1]); got != want {
					t.Errorf("Compare(%#v, %#v) = %d, want %d (as plain lists)", p[0], p[1], got, want)
				}
				if got := CompareExact(p[0], p[1]); got != wantExact {
					t.Errorf("CompareExact(%#v, %#v) = %d, want %d", p[0], p[1], got, wantExact)
				}
				if Equal(p[0], p[1]) != (want == 0) || ExactEqual(p[0], p[1]) != (wantExact == 0) {
					t.Errorf("Equal/ExactEqual(%#v, %#v) disagree with Compare", p[0], p[1])
				}
			}
		}
	}
	if compacts == 0 {
		t.Fatal("no sample has a compact form")
	}
	// [97, 98.0] == "ab" but not =:=.
	if !Equal(Chars("ab"), List{Int(97), Float(98)}) || ExactEqual(Chars("ab"), List{Int(97), Float(98)}) {
		t.Error(`"ab" vs [97, 98.0]: want == and not =:=`)
	}
}

func TestCharsSortsLikeLists(t *testing.T) {
	var ps, cs []Term
	for _, x := range listSamples {
		ps = append(ps, x)
		cs = append(cs, compactForm(x))
	}
	slices.SortStableFunc(ps, Compare)
	slices.SortStableFunc(cs, Compare)
	for i := range ps {
		if !ExactEqual(ps[i], cs[i]) {
			t.Fatalf("sorted orders differ at %d: %#v vs %#v", i, ps[i], cs[i])
		}
	}
}

func TestCharsAsMapKey(t *testing.T) {
	m := NewMap(KV{plain("key"), Int(1)}, KV{List{Int(1), Int(2)}, Int(2)})
	if v, ok := m.Get(Chars("key")); !ok || v != Int(1) {
		t.Errorf(`Get(Chars("key")) = %v, %v`, v, ok)
	}
	if v, ok := m.Get(Chars("\x01\x02")); !ok || v != Int(2) {
		t.Errorf(`Get(Chars("\x01\x02")) = %v, %v`, v, ok)
	}
	// The two forms are one key: the last value wins.
	m2 := NewMap(KV{Chars("k"), Int(1)}, KV{plain("k"), Int(2)})
	if m2.Len() != 1 {
		t.Fatalf("map with \"k\" in both forms has %d keys", m2.Len())
	}
	if v, _ := m2.Get(Chars("k")); v != Int(2) {
		t.Errorf("last value should win, got %v", v)
	}
	if !ExactEqual(m, NewMap(KV{Chars("key"), Int(1)}, KV{Chars("\x01\x02"), Int(2)})) {
		t.Error("maps differing only in key forms are not =:=")
	}
}

func TestListHelpers(t *testing.T) {
	type want struct {
		n      int
		proper bool
		isNil  bool
	}
	cases := []struct {
		t Term
		w want
	}{
		{Nil, want{0, true, true}},
		{Chars(""), want{0, true, true}},
		{nil, want{0, false, true}},
		{Chars("abc"), want{3, true, false}},
		{Chars("日本語"), want{3, true, false}},
		{plain("日本語"), want{3, true, false}},
		{ImproperList{Elems: []Term{Int(1)}, Tail: Int(2)}, want{0, false, false}},
		{Atom("a"), want{0, false, false}},
	}
	for _, c := range cases {
		n, ok := ListLen(c.t)
		if ok != c.w.proper || (ok && n != c.w.n) {
			t.Errorf("ListLen(%#v) = %d, %v; want %d, %v", c.t, n, ok, c.w.n, c.w.proper)
		}
		if IsProperList(c.t) != c.w.proper {
			t.Errorf("IsProperList(%#v) = %v", c.t, !c.w.proper)
		}
		if IsNil(c.t) != c.w.isNil {
			t.Errorf("IsNil(%#v) = %v", c.t, !c.w.isNil)
		}
		l, ok := AsList(c.t)
		if ok != c.w.proper || len(l) != c.w.n {
			t.Errorf("AsList(%#v) = %v, %v", c.t, l, ok)
		}
		if ok && !ExactEqual(l, c.t) && c.t != nil {
			t.Errorf("AsList(%#v) = %#v, not =:=", c.t, l)
		}
		var seen []Term
		for i, e := range ListElems(c.t) {
			if i != len(seen) {
				t.Errorf("ListElems(%#v) index %d at position %d", c.t, i, len(seen))
			}
			seen = append(seen, e)
		}
		if len(seen) != c.w.n {
			t.Errorf("ListElems(%#v) yielded %d elements, want %d", c.t, len(seen), c.w.n)
		}
	}
	// Uncons walks a Chars rune by rune and ends in [].
	var heads []Term
	var rest Term = Chars("aé日\U0010FFFF")
	for {
		h, tl, ok := Uncons(rest)
		if !ok {
			break
		}
		heads = append(heads, h)
		rest = tl
	}
	if !ExactEqual(List(heads), List{Int('a'), Int('é'), Int('日'), Int(0x10FFFF)}) || !ExactEqual(rest, Nil) {
		t.Errorf("Uncons over Chars gave %v then %#v", heads, rest)
	}
	if _, tl, _ := Uncons(Chars("ab")); tl != Chars("b") {
		t.Errorf("tail of \"ab\" is %#v, want the compact \"b\"", tl)
	}
	if _, tl, _ := Uncons(ImproperList{Elems: []Term{Int(1)}, Tail: Atom("t")}); tl != Atom("t") {
		t.Errorf("tail of [1|t] is %#v", tl)
	}
	if _, _, ok := Uncons(Chars("")); ok {
		t.Error("Uncons of an empty Chars succeeded")
	}
	elems, tail, ok := ListParts(Chars("ab"))
	if !ok || len(elems) != 2 || !IsNil(tail) {
		t.Errorf("ListParts(\"ab\") = %v, %v, %v", elems, tail, ok)
	}
	elems, tail, ok = ListParts(ImproperList{Elems: []Term{Int(1)}, Tail: Atom("t")})
	if !ok || len(elems) != 1 || tail != Atom("t") {
		t.Errorf("ListParts([1|t]) = %v, %v, %v", elems, tail, ok)
	}
	if _, _, ok := ListParts(Atom("a")); ok {
		t.Error("ListParts(a) succeeded")
	}
}

func TestNewCharsAndCons(t *testing.T) {
	if !IsNil(NewChars("")) {
		t.Error(`NewChars("") is not []`)
	}
	if c, ok := NewChars("日本").(Chars); !ok || c != "日本" {
		t.Errorf(`NewChars("日本") = %#v`, NewChars("日本"))
	}
	// Invalid UTF-8 reads as U+FFFD, as range does; never an invalid Chars.
	if got := NewChars("a\xffb"); !ExactEqual(got, List{Int('a'), Int(0xFFFD), Int('b')}) {
		t.Errorf("NewChars of invalid UTF-8 = %#v", got)
	} else if _, isChars := got.(Chars); isChars {
		t.Error("NewChars kept invalid UTF-8 as Chars")
	}
	got := Cons([]Term{Atom("x")}, Chars("é1"))
	if l, ok := got.(List); !ok || !ExactEqual(l, List{Atom("x"), Int('é'), Int('1')}) {
		t.Errorf("Cons([x], \"é1\") = %#v, want a proper List", got)
	}
	if s, ok := CharList(Chars("héllo")); !ok || s != "héllo" {
		t.Errorf("CharList(Chars) = %q, %v", s, ok)
	}
	if s, ok := CharList(plain("héllo")); !ok || s != "héllo" {
		t.Errorf("CharList(List) = %q, %v", s, ok)
	}
	if KindOf(Chars("")) != KindNil || KindOf(Chars("a")) != KindList {
		t.Error("Chars kinds")
	}
	if got := Chars("日本").List(); !ExactEqual(got, plain("日本")) || len(got) != 2 {
		t.Errorf("Chars.List() = %#v", got)
	}
}
