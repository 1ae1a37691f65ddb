package syntax

import (
	"github.com/avmsh/avmsh/vm/internal/erltext"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// maxNumberLen bounds the length of one number literal (in bytes), so
// that converting it stays cheap.
const maxNumberLen = 1 << 16

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitValue returns the value of an alphanumeric digit, or 99.
func digitValue(c byte) int { return erltext.DigitValue(rune(c)) }

// scanDigits reads digits of base (with '_' between two digits allowed)
// and returns them without separators.
func (p *parser) scanDigits(base int) string {
	start := p.pos
	var sb strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if digitValue(c) < base {
			sb.WriteByte(c)
			p.pos++
			continue
		}
		if c == '_' && p.pos > start && p.pos+1 < len(p.src) && digitValue(p.src[p.pos+1]) < base && digitValue(p.src[p.pos-1]) < base {
			p.pos++
			continue
		}
		break
	}
	return sb.String()
}

// parseNumber reads an integer (decimal or Base#Digits) or a float.
func (p *parser) parseNumber(neg bool) (term.Term, error) {
	start := p.pos
	whole := p.scanDigits(10)
	if p.pos-start > maxNumberLen {
		return nil, p.errf(start, "number literal too long (%d characters; the limit is %d)", p.pos-start, maxNumberLen)
	}
	switch {
	case p.peek() == '#':
		base, err := strconv.Atoi(whole)
		if err != nil || base < 2 || base > 36 {
			return nil, p.errf(start, "illegal base %s; a base is 2..36", whole)
		}
		p.pos++
		dstart := p.pos
		digits := p.scanDigits(base)
		if digits == "" {
			return nil, p.errf(dstart, "unexpected %s; expected digits of base %d", p.describe(), base)
		}
		if p.pos-start > maxNumberLen {
			return nil, p.errf(start, "number literal too long (%d characters; the limit is %d)", p.pos-start, maxNumberLen)
		}
		return p.intTerm(digits, base, neg, start)
	case p.peek() == '.' && isDigit(p.peekAt(1)):
		p.pos++
		frac := p.scanDigits(10)
		text := whole + "." + frac
		if c := p.peek(); c == 'e' || c == 'E' {
			save := p.pos
			p.pos++
			sign := ""
			if c := p.peek(); c == '+' || c == '-' {
				sign = string(c)
				p.pos++
			}
			if !isDigit(p.peek()) {
				p.pos = save
			} else {
				text += "e" + sign + p.scanDigits(10)
			}
		}
		if p.pos-start > maxNumberLen {
			return nil, p.errf(start, "number literal too long (%d characters; the limit is %d)", p.pos-start, maxNumberLen)
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, p.errf(start, "float %s is out of range", text)
		}
		if neg {
			f = -f
		}
		return term.Float(f), nil
	}
	return p.intTerm(whole, 10, neg, start)
}

func (p *parser) intTerm(digits string, base int, neg bool, start int) (term.Term, error) {
	if v, err := strconv.ParseInt(digits, base, 64); err == nil {
		if neg {
			v = -v
		}
		return term.Int(v), nil
	}
	b, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, p.errf(start, "malformed integer %s", digits)
	}
	if neg {
		b.Neg(b)
	}
	return term.BigInteger(b), nil
}

// parseCharTerm reads $C and returns the character code as a term.
func (p *parser) parseChar() (term.Term, error) {
	v, err := p.scanChar()
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (p *parser) scanChar() (term.Int, error) {
	start := p.pos
	p.pos++ // '$'
	if p.pos >= len(p.src) {
		return 0, p.errf(start, "unterminated character: expected a character after '$'")
	}
	if p.src[p.pos] == '\\' {
		r, err := p.scanEscape()
		return term.Int(r), err
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == utf8.RuneError && size <= 1 {
		return 0, p.errf(p.pos, "invalid UTF-8 byte 0x%02x after '$'", p.src[p.pos])
	}
	p.pos += size
	return term.Int(r), nil
}

// scanEscape reads an escape sequence starting at '\' (erl_scan's, as
// package erltext decodes them) and says what is wrong with a bad one.
func (p *parser) scanEscape() (rune, error) {
	start := p.pos
	p.pos++ // '\'
	r, n, st := erltext.Escape(p.src[p.pos:])
	switch st {
	case erltext.EscapeOK:
		p.pos += n
		return r, nil
	case erltext.EscapeEOF:
		return 0, p.errf(start, "unterminated escape sequence")
	}
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "x{"):
		hex := rest[2:]
		i := 0
		for i < len(hex) && digitValue(hex[i]) < 16 {
			i++
		}
		if i < len(hex) && hex[i] == '}' && i > 0 {
			return 0, p.errf(start, "\\x{%s} is not a valid character", hex[:i])
		}
		p.pos += 2 + i
		return 0, p.errf(p.pos, "unexpected %s in \\x{...}; expected hexadecimal digits and '}'", p.describe())
	case rest[0] == 'x':
		return 0, p.errf(start, "illegal \\x escape; write \\xHH or \\x{H...}")
	}
	if c, size := utf8.DecodeRuneInString(rest); c == utf8.RuneError && size <= 1 {
		return 0, p.errf(p.pos, "invalid UTF-8 byte 0x%02x in escape sequence", rest[0])
	}
	return 0, p.errf(start, "\\%s is not a valid escape: the character is not valid in Erlang text", p.describe())
}

// scanQuoted reads text between quote characters q with escapes.
func (p *parser) scanQuoted(q byte, what string) ([]rune, error) {
	start := p.pos
	p.pos++ // opening quote
	var out []rune
	for {
		if p.pos >= len(p.src) {
			return nil, p.errf(start, "unterminated %s: expected a closing %c", what, q)
		}
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return out, nil
		case c == '\\':
			r, err := p.scanEscape()
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		default:
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return nil, p.errf(p.pos, "invalid UTF-8 byte 0x%02x in %s", c, what)
			}
			out = append(out, r)
			p.pos += size
		}
	}
}

func (p *parser) parseQuotedAtom() (term.Atom, error) {
	start := p.pos
	rs, err := p.scanQuoted('\'', "quoted atom")
	if err != nil {
		return "", err
	}
	if len(rs) > 255 {
		return "", p.errf(start, "atom too long (%d characters; the limit is 255)", len(rs))
	}
	for _, r := range rs {
		if !utf8.ValidRune(r) {
			return "", p.errf(start, "atom contains the invalid character %d", r)
		}
	}
	return term.Atom(string(rs)), nil
}

// parseStrings reads one or more adjacent string literals as one list.
func (p *parser) parseStrings() (term.Term, error) {
	var all []rune
	for {
		rs, err := p.scanQuoted('"', "string")
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
		save := p.pos
		p.skipSpace()
		if p.peek() != '"' {
			p.pos = save
			break
		}
	}
	if len(all) == 0 {
		return term.Nil, nil
	}
	l := make(term.List, len(all))
	for i, r := range all {
		l[i] = term.Int(r)
	}
	return l, nil
}
