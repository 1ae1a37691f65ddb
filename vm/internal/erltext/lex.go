package erltext

import "unicode/utf8"

// IsReserved reports whether name is a reserved word (an atom that must
// be quoted): erl_scan:reserved_word/1 of OTP 25 with no features
// enabled (maybe/else belong to the maybe_expr feature, off by default
// in OTP 25). A switch, not a map, which would be built when the
// program starts.
func IsReserved(name string) bool {
	switch name {
	case "after", "begin", "case", "try", "cond",
		"catch", "andalso", "orelse", "end", "fun",
		"if", "let", "of", "receive", "when",
		"bnot", "not", "div", "rem", "band",
		"and", "bor", "bxor", "bsl", "bsr",
		"or", "xor":
		return true
	}
	return false
}

// DigitValue is the value of an alphanumeric digit (0-9, a-z, A-Z), or
// 99 for any other character: a digit is valid in base b when its value
// is below b.
func DigitValue(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// ValidChar is erl_scan's ?UNICODE test: a code point that may appear
// in Erlang text (no surrogates, no U+FFFE/U+FFFF).
func ValidChar(c rune) bool {
	return (c >= 0 && c < 0xD800) || (c > 0xDFFF && c < 0xFFFE) || (c > 0xFFFF && c <= 0x10FFFF)
}

// EscapeStatus says how an escape sequence ended.
type EscapeStatus uint8

const (
	// EscapeOK: a valid sequence.
	EscapeOK EscapeStatus = iota
	// EscapeEOF: the text ends inside the sequence (a REPL asks for
	// more input; a complete text reports it unterminated).
	EscapeEOF
	// EscapeBad: not a valid sequence (erl_scan's "illegal character");
	// n is what erl_scan consumes of it.
	EscapeBad
)

// Escape decodes the escape sequence that follows a backslash; text
// starts just after the backslash. It returns the character, the
// number of bytes of text the sequence takes, and its status. The
// sequences are erl_scan's (OTP 25): \n \r \t \v \b \f \e \s \d, octal
// \O \OO \OOO, \xHH, \x{H...}, \^C (C band 31), and \C for any other
// valid character C.
func Escape(text string) (r rune, n int, st EscapeStatus) {
	at := func(i int) rune {
		if i >= len(text) {
			return -1
		}
		if c := text[i]; c < utf8.RuneSelf {
			return rune(c)
		}
		c, _ := utf8.DecodeRuneInString(text[i:])
		return c
	}
	c := at(0)
	switch {
	case c == -1:
		return 0, 0, EscapeEOF
	case c >= '0' && c <= '7':
		v := rune(0)
		for n < 3 && at(n) >= '0' && at(n) <= '7' {
			v = v*8 + at(n) - '0'
			n++
		}
		return v, n, EscapeOK
	case c == 'x':
		return hexEscape(text, at)
	case c == '^':
		d := at(1)
		if d == -1 {
			return 0, 1, EscapeEOF
		}
		// The width of the character as written: RuneLen would say 3
		// for a byte that is not UTF-8 (decoded as RuneError).
		_, w := utf8.DecodeRuneInString(text[1:])
		return d & 31, 1 + w, EscapeOK
	}
	size := utf8.RuneLen(c)
	if c == utf8.RuneError {
		size = 1
		if _, w := utf8.DecodeRuneInString(text); w > 1 {
			size = w
		}
	}
	if !ValidChar(c) {
		return 0, size, EscapeBad
	}
	switch c {
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'v':
		c = '\v'
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'e':
		c = 27
	case 's':
		c = ' '
	case 'd':
		c = 127
	}
	return c, size, EscapeOK
}

// hexEscape decodes \xHH and \x{H...} (text starts at the x).
func hexEscape(text string, at func(int) rune) (rune, int, EscapeStatus) {
	n := 1
	if at(n) == '{' {
		n++
		v, digits := 0, 0
		for DigitValue(at(n)) < 16 {
			if v <= 0x10FFFF {
				v = v*16 + DigitValue(at(n))
			}
			digits++
			n++
		}
		switch {
		case at(n) == -1:
			return 0, n, EscapeEOF
		case at(n) != '}':
			return 0, n, EscapeBad
		case digits == 0 || v > 0x10FFFF || !ValidChar(rune(v)):
			return 0, n + 1, EscapeBad
		}
		return rune(v), n + 1, EscapeOK
	}
	if DigitValue(at(1)) < 16 && DigitValue(at(2)) < 16 {
		return rune(DigitValue(at(1))*16 + DigitValue(at(2))), 3, EscapeOK
	}
	if at(1) == -1 || (DigitValue(at(1)) < 16 && at(2) == -1) {
		return 0, n, EscapeEOF
	}
	return 0, n, EscapeBad
}
