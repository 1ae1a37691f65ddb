package iolib

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// maxCharDataDepth bounds the nesting of deep character lists.
const maxCharDataDepth = 10000

// walkCharData visits every element of a deep list of integers and
// binaries (improper tails may be binaries, as in iolists), depth first,
// without recursion.
func walkCharData(t term.Term, onInt func(term.Term) error, onBin func([]byte) error) error {
	type frame struct {
		elems []term.Term
		tail  term.Term
	}
	push := func(stack []frame, t term.Term) ([]frame, error) {
		switch v := t.(type) {
		case term.List:
			return append(stack, frame{elems: v}), nil
		case term.Chars:
			return append(stack, frame{elems: v.List()}), nil
		case term.ImproperList:
			return append(stack, frame{elems: v.Elems, tail: v.Tail}), nil
		case term.Binary:
			return stack, onBin(v)
		}
		return stack, badarg("not character data: %s", syntax.Write(t, syntax.Options{Depth: 5}))
	}
	stack, err := push(nil, t)
	if err != nil {
		return err
	}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if len(top.elems) == 0 {
			tail := top.tail
			stack = stack[:len(stack)-1]
			if tail != nil {
				if _, ok := tail.(term.Binary); !ok {
					return badarg("character data ends in an improper tail %s", syntax.Write(tail, syntax.Options{Depth: 5}))
				}
				if err := onBin(tail.(term.Binary)); err != nil {
					return err
				}
			}
			continue
		}
		e := top.elems[0]
		top.elems = top.elems[1:]
		switch e.(type) {
		case term.Int, term.BigInt:
			if err := onInt(e); err != nil {
				return err
			}
			continue
		}
		if len(stack) >= maxCharDataDepth {
			return badarg("character data nested deeper than %d levels", maxCharDataDepth)
		}
		if stack, err = push(stack, e); err != nil {
			return err
		}
	}
	return nil
}

// iolistToChars is io_lib_format:iolist_to_chars/1 (~s): characters
// 0..255 and binaries read as latin1 bytes.
func iolistToChars(t term.Term) ([]rune, error) {
	var out []rune
	err := walkCharData(t, func(e term.Term) error {
		c, ok := e.(term.Int)
		if !ok || c < 0 || c > 255 {
			return badarg("~s of a character above 255 (%s); use ~ts", syntax.Write(e, syntax.Options{}))
		}
		out = append(out, rune(c))
		return nil
	}, func(b []byte) error {
		for _, c := range b {
			out = append(out, rune(c))
		}
		return nil
	})
	return out, err
}

// cdataToChars is io_lib_format:cdata_to_chars/1 (~ts): any characters;
// binaries are UTF-8, or latin1 bytes when they are not valid UTF-8.
func cdataToChars(t term.Term) ([]rune, error) {
	var out []rune
	err := walkCharData(t, func(e term.Term) error {
		c, ok := e.(term.Int)
		if !ok || !validChar(int64(c)) {
			return badarg("%s is not a Unicode character", syntax.Write(e, syntax.Options{}))
		}
		out = append(out, rune(c))
		return nil
	}, func(b []byte) error {
		if utf8.Valid(b) {
			out = append(out, []rune(string(b))...)
			return nil
		}
		for _, c := range b {
			out = append(out, rune(c))
		}
		return nil
	})
	return out, err
}

// CharsToString is unicode:characters_to_binary(Data, InEncoding) as
// text: with Unicode, integers are code points and binaries UTF-8; with
// Latin1, integers are 0..255 and binaries latin1 bytes. Errors name the
// offending element and its character offset.
func CharsToString(data term.Term, in syntax.Encoding) (string, error) {
	var sb strings.Builder
	n := 0
	err := walkCharData(data, func(e term.Term) error {
		c, ok := e.(term.Int)
		switch {
		case !ok:
			return badarg("character %d: %s is not a character", n, syntax.Write(e, syntax.Options{}))
		case in == syntax.Latin1 && (c < 0 || c > 255):
			return badarg("character %d: %d is not a latin1 character", n, c)
		case in == syntax.Unicode && !validChar(int64(c)):
			return badarg("character %d: %d is not a Unicode code point", n, c)
		}
		sb.WriteRune(rune(c))
		n++
		return nil
	}, func(b []byte) error {
		if in == syntax.Latin1 {
			for _, c := range b {
				sb.WriteRune(rune(c))
			}
			n += len(b)
			return nil
		}
		if !utf8.Valid(b) {
			off := 0
			for off < len(b) {
				r, size := utf8.DecodeRune(b[off:])
				if r == utf8.RuneError && size <= 1 {
					break
				}
				off += size
			}
			return badarg("character %d: invalid UTF-8 at byte %d of a %d-byte binary", n, off, len(b))
		}
		sb.Write(b)
		n += utf8.RuneCount(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return sb.String(), nil
}

// Encode turns text into the bytes a device with encoding enc receives:
// UTF-8, or latin1 bytes (failing on characters above 255).
func Encode(text string, enc syntax.Encoding) ([]byte, error) {
	if enc == syntax.Unicode {
		return []byte(text), nil
	}
	out := make([]byte, 0, len(text))
	for i, r := range text {
		if r > 0xFF {
			return nil, badarg("character %q at byte %d cannot be written to a latin1 device", r, i)
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// PutChars returns the text of the io request {put_chars, Enc, Chars}.
func PutChars(enc syntax.Encoding, chars term.Term) (string, error) {
	return CharsToString(chars, enc)
}

// PutCharsMFA returns the text of {put_chars, Enc, Mod, Func, Args} for
// the calls an I/O server evaluates locally: io_lib:format/2,3 and
// io_lib:fwrite/2,3 (the options of the /3 forms, chars_limit only, are
// not supported and must be []). With Latin1 the result must fit latin1.
func PutCharsMFA(enc syntax.Encoding, mod, fn term.Atom, args term.Term, o Options) (string, error) {
	l, ok := term.AsList(args)
	if !ok || mod != "io_lib" || (fn != "format" && fn != "fwrite") || (len(l) != 2 && len(l) != 3) {
		return "", fmt.Errorf("%w: put_chars with %s:%s/%d is not supported; only io_lib:format/2,3", ErrBadArg, syntax.WriteAtom(mod, syntax.Unicode), syntax.WriteAtom(fn, syntax.Unicode), listLen(args))
	}
	if len(l) == 3 {
		if !term.IsNil(l[2]) {
			return "", fmt.Errorf("%w: io_lib:format/3 options %s are not supported", ErrBadArg, syntax.Write(l[2], syntax.Options{}))
		}
	}
	text, err := FormatTerm(l[0], l[1], o)
	if err != nil {
		return "", err
	}
	if enc == syntax.Latin1 {
		if _, err := Encode(text, syntax.Latin1); err != nil {
			return "", err
		}
	}
	return text, nil
}

func listLen(t term.Term) int {
	if n, ok := term.ListLen(t); ok {
		return n
	}
	return -1
}
