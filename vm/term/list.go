package term

import (
	"iter"
	"strings"
)

// ByteList is a proper, non-empty list of integers in 0..255 stored one
// byte per element: element i is Int(l[i]). It is the compact form that
// package etf decodes STRING_EXT (and a LIST_EXT of SMALL_INTEGER_EXT
// ending in NIL_EXT) into, so that a string or a byte list costs one byte
// per element instead of a 16-byte interface.
//
// A ByteList is the same Erlang term as the List of the same Ints:
// Compare, Equal, ExactEqual, map keys, the printers, the encoders and
// the evaluator's pattern matching cannot tell them apart. Code that
// reads lists therefore never type-asserts List on a term it did not
// build itself; it uses AsList, ListLen, ListParts, Uncons or ListElems,
// which accept both (see the package documentation).
//
// The bytes are not UTF-8: ByteList("\xe9") is [233]. Build one with
// NewByteList, which gives Nil for no bytes; an empty ByteList, should one
// appear, is the empty list.
type ByteList string

func (l ByteList) kind() Kind {
	if len(l) == 0 {
		return KindNil
	}
	return KindList
}

// NewByteList returns the list of the bytes of s as integers: Nil when s
// is empty, else ByteList(s).
func NewByteList(s string) Term {
	if s == "" {
		return Nil
	}
	return ByteList(s)
}

// List returns the elements of l as a new List.
func (l ByteList) List() List {
	if len(l) == 0 {
		return Nil
	}
	out := make(List, len(l))
	for i := 0; i < len(l); i++ {
		out[i] = Int(l[i])
	}
	return out
}

// IsNil reports whether t is the empty list [] (a nil Term counts, as
// KindOf says).
func IsNil(t Term) bool {
	switch l := t.(type) {
	case nil:
		return true
	case List:
		return len(l) == 0
	case ByteList:
		return len(l) == 0
	}
	return false
}

// IsProperList reports whether t is a proper list, [] included: a List
// or a ByteList.
func IsProperList(t Term) bool {
	switch t.(type) {
	case List, ByteList:
		return true
	}
	return false
}

// ListLen returns the length of a proper list without expanding a
// compact one; ok is false for anything else (improper lists included).
func ListLen(t Term) (n int, ok bool) {
	switch l := t.(type) {
	case List:
		return len(l), true
	case ByteList:
		return len(l), true
	}
	return 0, false
}

// AsList returns the elements of a proper list as a List: a List as it
// is (shared: do not modify it), a ByteList expanded into a new List.
// ok is false for anything else, improper lists and a nil Term included.
// This is the replacement for the assertion t.(term.List).
func AsList(t Term) (List, bool) {
	switch l := t.(type) {
	case List:
		return l, true
	case ByteList:
		return l.List(), true
	}
	return nil, false
}

// ListParts returns the elements and the final tail of any list: Nil
// for a proper list (for [], no elements), the Tail of an ImproperList.
// A List's or ImproperList's elements are shared (do not modify them); a
// ByteList is expanded. ok is false when t is not a list.
func ListParts(t Term) (elems []Term, tail Term, ok bool) {
	switch l := t.(type) {
	case List:
		return l, Nil, true
	case ByteList:
		return l.List(), Nil, true
	case ImproperList:
		return l.Elems, l.Tail, true
	}
	return nil, nil, false
}

// Uncons splits a non-empty list, proper or improper, into its head and
// its tail, as the pattern [H|T] does, in constant time and without
// copying elements. ok is false for [] and for terms that are not lists.
func Uncons(t Term) (head, tail Term, ok bool) {
	switch l := t.(type) {
	case List:
		switch len(l) {
		case 0:
			return nil, nil, false
		case 1:
			return l[0], Nil, true
		}
		return l[0], l[1:], true
	case ByteList:
		if len(l) == 0 {
			return nil, nil, false
		}
		return Int(l[0]), NewByteList(string(l[1:])), true
	case ImproperList:
		if len(l.Elems) == 0 {
			return nil, nil, false
		}
		if len(l.Elems) == 1 {
			return l.Elems[0], l.Tail, true
		}
		return l.Elems[0], ImproperList{Elems: l.Elems[1:], Tail: l.Tail}, true
	}
	return nil, nil, false
}

// ListElems iterates over the index and element of every element of a
// proper list (List or ByteList) without expanding a compact one. It
// yields nothing for other terms: check with ListLen or IsProperList
// when that matters.
func ListElems(t Term) iter.Seq2[int, Term] {
	return func(yield func(int, Term) bool) {
		switch l := t.(type) {
		case List:
			for i, e := range l {
				if !yield(i, e) {
					return
				}
			}
		case ByteList:
			for i := 0; i < len(l); i++ {
				if !yield(i, Int(l[i])) {
					return
				}
			}
		}
	}
}

// listView is a non-empty list seen as n elements and a tail, without
// expanding a ByteList.
type listView struct {
	terms []Term
	bytes ByteList
	tail  Term
}

func viewList(t Term) listView {
	switch l := t.(type) {
	case List:
		return listView{terms: l, tail: Nil}
	case ByteList:
		return listView{bytes: l, tail: Nil}
	case ImproperList:
		return listView{terms: l.Elems, tail: l.Tail}
	}
	return listView{tail: t}
}

func (v listView) len() int {
	if v.terms != nil {
		return len(v.terms)
	}
	return len(v.bytes)
}

func (v listView) at(i int) Term {
	if v.terms != nil {
		return v.terms[i]
	}
	return Int(v.bytes[i])
}

// rest returns the list that follows the first n elements.
func (v listView) rest(n int) Term {
	if v.terms != nil {
		return Cons(v.terms[n:], v.tail)
	}
	return NewByteList(string(v.bytes[n:]))
}

func compareLists(a, b Term, exact bool) int {
	if x, ok := a.(ByteList); ok {
		if y, ok := b.(ByteList); ok {
			// Bytes compare as unsigned integers, and a prefix sorts
			// first, exactly as Erlang orders the two lists.
			return strings.Compare(string(x), string(y))
		}
	}
	x, y := viewList(a), viewList(b)
	n := min(x.len(), y.len())
	for i := 0; i < n; i++ {
		if c := compare(x.at(i), y.at(i), exact); c != 0 {
			return c
		}
	}
	// Compare what remains of each list: the rest of the elements (a list)
	// or the final tail.
	xr, yr := x.tail, y.tail
	if x.len() > n {
		xr = x.rest(n)
	}
	if y.len() > n {
		yr = y.rest(n)
	}
	return compare(xr, yr, exact)
}
