package term

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// Chars is a proper, non-empty list of Unicode code points (integers in
// 0..16#10FFFF other than the surrogates 16#D800..16#DFFF) stored as
// UTF-8: the list's elements are the runes of the string. It is the
// compact form that package etf decodes strings and byte lists into
// (STRING_EXT, and a LIST_EXT of such integers ending in NIL_EXT), so
// that "hello" costs five bytes instead of five 16-byte interfaces, and
// a text that came from a peer reaches Go code without conversion.
//
// A Chars is the same Erlang term as the List of the same Ints: Compare,
// Equal, ExactEqual, map keys, the printers, the encoders and the
// evaluator's pattern matching cannot tell them apart (UTF-8 sorts as
// its code points do). Code that reads lists therefore never
// type-asserts List on a term it did not build itself; it uses AsList,
// ListLen, ListParts, Uncons or ListElems, which accept both (see the
// package documentation).
//
// The string must be valid UTF-8 and non-empty: build one with NewChars.
// An empty Chars, should one appear, is the empty list. Its length is
// the number of runes (ListLen counts them), not len(s).
type Chars string

func (l Chars) kind() Kind {
	if len(l) == 0 {
		return KindNil
	}
	return KindList
}

// NewChars returns the list of the code points of s: Nil when s is
// empty, a Chars when s is valid UTF-8, and otherwise a List of its
// runes, each invalid byte read as U+FFFD (as `for range s` does).
func NewChars(s string) Term {
	switch {
	case s == "":
		return Nil
	case utf8.ValidString(s):
		return Chars(s)
	}
	out := make(List, 0, len(s))
	for _, r := range s {
		out = append(out, Int(r))
	}
	return out
}

// List returns the elements of l as a new List.
func (l Chars) List() List {
	if len(l) == 0 {
		return Nil
	}
	out := make(List, 0, len(l))
	for _, r := range string(l) {
		out = append(out, Int(r))
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
	case Chars:
		return len(l) == 0
	}
	return false
}

// IsProperList reports whether t is a proper list, [] included: a List
// or a Chars.
func IsProperList(t Term) bool {
	switch t.(type) {
	case List, Chars:
		return true
	}
	return false
}

// ListLen returns the length of a proper list without expanding a
// compact one (a Chars's runes are counted); ok is false for anything
// else, improper lists included.
func ListLen(t Term) (n int, ok bool) {
	switch l := t.(type) {
	case List:
		return len(l), true
	case Chars:
		return utf8.RuneCountInString(string(l)), true
	}
	return 0, false
}

// AsList returns the elements of a proper list as a List: a List as it
// is (shared: do not modify it), a Chars expanded into a new List. ok is
// false for anything else, improper lists and a nil Term included. This
// is the replacement for the assertion t.(term.List).
func AsList(t Term) (List, bool) {
	switch l := t.(type) {
	case List:
		return l, true
	case Chars:
		return l.List(), true
	}
	return nil, false
}

// ListParts returns the elements and the final tail of any list: Nil
// for a proper list (for [], no elements), the Tail of an ImproperList.
// A List's or ImproperList's elements are shared (do not modify them); a
// Chars is expanded. ok is false when t is not a list.
func ListParts(t Term) (elems []Term, tail Term, ok bool) {
	switch l := t.(type) {
	case List:
		return l, Nil, true
	case Chars:
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
	case Chars:
		if len(l) == 0 {
			return nil, nil, false
		}
		r, size := utf8.DecodeRuneInString(string(l))
		if size == len(l) {
			return Int(r), Nil, true
		}
		return Int(r), l[size:], true
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

// ListElems iterates over the index and value of every element of a
// proper list (List or Chars) without expanding a compact one. It yields
// nothing for other terms: check with ListLen or IsProperList when that
// matters.
func ListElems(t Term) iter.Seq2[int, Term] {
	return func(yield func(int, Term) bool) {
		switch l := t.(type) {
		case List:
			for i, e := range l {
				if !yield(i, e) {
					return
				}
			}
		case Chars:
			i := 0
			for _, r := range string(l) {
				if !yield(i, Int(r)) {
					return
				}
				i++
			}
		}
	}
}

// listCursor walks a list's elements without expanding a Chars.
type listCursor struct {
	terms []Term
	chars string
	tail  Term
}

func cursorOf(t Term) listCursor {
	switch l := t.(type) {
	case List:
		return listCursor{terms: l, tail: Nil}
	case Chars:
		return listCursor{chars: string(l), tail: Nil}
	case ImproperList:
		return listCursor{terms: l.Elems, tail: l.Tail}
	}
	return listCursor{tail: t}
}

// next pops the next element; ok is false when only the tail is left.
func (c *listCursor) next() (Term, bool) {
	switch {
	case len(c.terms) > 0:
		e := c.terms[0]
		c.terms = c.terms[1:]
		return e, true
	case c.chars != "":
		r, size := utf8.DecodeRuneInString(c.chars)
		c.chars = c.chars[size:]
		return Int(r), true
	}
	return nil, false
}

// rest returns the list of the elements not yet popped and the tail.
func (c *listCursor) rest() Term {
	if len(c.terms) > 0 {
		return Cons(c.terms, c.tail)
	}
	if c.chars != "" {
		return Chars(c.chars)
	}
	return c.tail
}

func compareLists(a, b Term, exact bool) int {
	if x, ok := a.(Chars); ok {
		if y, ok := b.(Chars); ok {
			// UTF-8 sorts as its code points do, and a prefix sorts
			// first, exactly as Erlang orders the two lists.
			return strings.Compare(string(x), string(y))
		}
	}
	x, y := cursorOf(a), cursorOf(b)
	for {
		xe, xok := x.next()
		ye, yok := y.next()
		switch {
		case !xok && !yok:
			return compare(x.tail, y.tail, exact)
		case !xok:
			// x is down to its tail; y still has elements.
			return tailVersusList(x.tail, func() Term { return Cons([]Term{ye}, y.rest()) }, exact)
		case !yok:
			return -tailVersusList(y.tail, func() Term { return Cons([]Term{xe}, x.rest()) }, exact)
		}
		if c := compare(xe, ye, exact); c != 0 {
			return c
		}
	}
}

// tailVersusList compares the final tail of one list with what remains
// of the other, a non-empty list, building that list only in the case
// where the order needs it (a malformed tail that is itself a list).
func tailVersusList(tail Term, rest func() Term, exact bool) int {
	if k := KindOf(tail); k != KindList {
		return cmp3(k, KindList)
	}
	return compare(tail, rest(), exact)
}
