package syntax

import (
	"github.com/avmsh/avmsh/vm/internal/erltext"
	"strconv"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// Encoding selects how characters above 255 are printed: Latin1 (the
// default, like ~w and ~p) escapes them in atoms as \x{...} and never
// treats them as printable; Unicode (the t modifier, ~tw and ~tp) prints
// them as they are.
type Encoding uint8

const (
	// Latin1 is io_lib's default encoding.
	Latin1 Encoding = iota
	// Unicode is the encoding selected by the t modifier.
	Unicode
)

// String returns "latin1" or "unicode", the names io_lib uses.
func (e Encoding) String() string {
	if e == Unicode {
		return "unicode"
	}
	return "latin1"
}

// IsReserved reports whether s is an Erlang reserved word (an atom that
// must be quoted).
func IsReserved(s string) bool { return erltext.IsReserved(s) }

func isLowerStart(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 0xDF && r <= 0xFF && r != 0xF7)
}

func isNameChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '@':
		return true
	case r >= 0xDF && r <= 0xFF && r != 0xF7:
		return true
	case r >= 0xC0 && r <= 0xDE && r != 0xD7:
		return true
	}
	return false
}

// AtomNeedsQuotes reports whether io_lib writes atom a in single quotes.
func AtomNeedsQuotes(a term.Atom) bool {
	s := string(a)
	if s == "" || erltext.IsReserved(s) {
		return true
	}
	first := true
	for _, r := range s {
		if first {
			if !isLowerStart(r) {
				return true
			}
			first = false
			continue
		}
		if !isNameChar(r) {
			return true
		}
	}
	return false
}

// AppendAtom appends atom a as io_lib:write_atom (Unicode) or
// io_lib:write_atom_as_latin1 (Latin1) writes it.
func AppendAtom(dst []byte, a term.Atom, enc Encoding) []byte {
	if !AtomNeedsQuotes(a) {
		return append(dst, a...)
	}
	mode := modeUniAsLatin1
	if enc == Unicode {
		mode = modeUnicode
	}
	return appendQuoted(dst, string(a), '\'', mode)
}

// WriteAtom returns atom a as io_lib writes it.
func WriteAtom(a term.Atom, enc Encoding) string { return string(AppendAtom(nil, a, enc)) }

// string_char modes of io_lib.
type charMode uint8

const (
	modeLatin1      charMode = iota // write_latin1_string: chars 160..255 verbatim
	modeUnicode                     // write_string: chars >= 160 verbatim
	modeUniAsLatin1                 // write_string_as_latin1: > 255 as \x{...}
)

// appendQuoted writes s (UTF-8) between quote characters q, escaping as
// io_lib's string_char does.
func appendQuoted(dst []byte, s string, q rune, mode charMode) []byte {
	dst = utf8.AppendRune(dst, q)
	for _, r := range s {
		dst = appendStringChar(dst, r, q, mode)
	}
	return utf8.AppendRune(dst, q)
}

// appendQuotedRunes is appendQuoted for a slice of code points.
func appendQuotedRunes(dst []byte, s []rune, q rune, mode charMode) []byte {
	dst = utf8.AppendRune(dst, q)
	for _, r := range s {
		dst = appendStringChar(dst, r, q, mode)
	}
	return utf8.AppendRune(dst, q)
}

func appendStringChar(dst []byte, c, q rune, mode charMode) []byte {
	switch {
	case c == q:
		return append(dst, '\\', byte(q))
	case c == '\\':
		return append(dst, '\\', '\\')
	case c >= ' ' && c <= '~':
		return append(dst, byte(c))
	}
	switch mode {
	case modeLatin1:
		if c >= 0xA0 && c <= 0xFF {
			return utf8.AppendRune(dst, c)
		}
	case modeUnicode:
		if c >= 0xA0 {
			return appendRuneAny(dst, c)
		}
	case modeUniAsLatin1:
		if c >= 0xA0 && c <= 0xFF {
			return utf8.AppendRune(dst, c)
		}
		if c > 0xFF {
			dst = append(dst, '\\', 'x', '{')
			dst = append(dst, upperHex(uint64(c))...)
			return append(dst, '}')
		}
	}
	switch c {
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\v':
		return append(dst, '\\', 'v')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case 0x1B:
		return append(dst, '\\', 'e')
	case 0x7F:
		return append(dst, '\\', 'd')
	}
	return append(dst, '\\', byte('0'+(c>>6)&7), byte('0'+(c>>3)&7), byte('0'+c&7))
}

// appendRuneAny appends c as UTF-8; code points that UTF-8 cannot carry
// (surrogates) are written as \x{...} so that the output stays valid text.
func appendRuneAny(dst []byte, c rune) []byte {
	if utf8.ValidRune(c) {
		return utf8.AppendRune(dst, c)
	}
	dst = append(dst, '\\', 'x', '{')
	dst = append(dst, upperHex(uint64(c))...)
	return append(dst, '}')
}

func upperHex(v uint64) string {
	const digits = "0123456789ABCDEF"
	if v == 0 {
		return "0"
	}
	var b [16]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[i:])
}

// AppendString appends the code points s as a double-quoted Erlang string
// the way io_lib:write_string (Unicode) or io_lib:write_latin1_string
// (Latin1) writes it.
func AppendString(dst []byte, s []rune, enc Encoding) []byte {
	mode := modeLatin1
	if enc == Unicode {
		mode = modeUnicode
	}
	return appendQuotedRunes(dst, s, '"', mode)
}

// appendInt appends the decimal form of an integer term.
func appendInteger(dst []byte, t term.Term) []byte {
	switch v := t.(type) {
	case term.Int:
		return strconv.AppendInt(dst, int64(v), 10)
	case term.BigInt:
		return v.V.Append(dst, 10)
	}
	return dst
}
