package scan

import (
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// MaxAtomLen is the longest atom name, in characters (system_limit in
// Erlang; erl_scan reports "illegal atom").
const MaxAtomLen = 255

// reserved is erl_scan:reserved_word/1 of OTP 25 with no features enabled.
var reserved = map[string]bool{
	"after": true, "begin": true, "case": true, "try": true, "cond": true,
	"catch": true, "andalso": true, "orelse": true, "end": true, "fun": true,
	"if": true, "let": true, "of": true, "receive": true, "when": true,
	"bnot": true, "not": true, "div": true, "rem": true, "band": true,
	"and": true, "bor": true, "bxor": true, "bsl": true, "bsr": true,
	"or": true, "xor": true,
}

// IsReserved reports whether name is a reserved word.
func IsReserved(name string) bool { return reserved[name] }

// operators, longest first within each leading character.
var operators = []string{
	"...", "=:=", "=/=",
	"..", "?=", "<<", "<-", "<=", ">>", ">=", "->", "--", "++", "=<", "=>", "==", "/=", "||", ":=", "::",
	",", "(", ")", "{", "}", "[", "]", ";", "=", ":", "|", "#", "/", "?", "-", "+", "*", "<", ">", "!",
	"@", "\\", "^", "`", "~", "&",
}

// opsByFirst indexes operators by their first character, longest first.
var opsByFirst = func() map[rune][]string {
	m := map[rune][]string{}
	for _, op := range operators {
		r := rune(op[0])
		m[r] = append(m[r], op)
	}
	return m
}()

// scanner holds the state of one String call.
type scanner struct {
	src  []rune
	i    int
	line int
	col  int
	toks []Token
}

// Tokens scans src completely, like erl_scan:string/2 with start location
// {1,1}. Comments are skipped. A dot token is produced for each full stop
// followed by white space, '%' or the end of the input.
func Tokens(src string) ([]Token, error) {
	return Runes([]rune(src), Pos{1, 1})
}

// Runes scans src starting at position start.
func Runes(src []rune, start Pos) ([]Token, error) {
	s := &scanner{src: src, line: start.Line, col: start.Col, toks: make([]Token, 0, len(src)/3+4)}
	for {
		done, err := s.next()
		if err != nil {
			return s.toks, err
		}
		if done {
			return s.toks, nil
		}
	}
}

func (s *scanner) peek(k int) rune {
	if s.i+k < len(s.src) {
		return s.src[s.i+k]
	}
	return -1
}

func (s *scanner) errAt(p Pos, msg string) error {
	return &Error{Pos: p, Module: "erl_scan", Msg: msg}
}

func (s *scanner) emit(t Token) { s.toks = append(s.toks, t) }

func isWhite(c rune) bool { return (c >= 0 && c <= ' ') || (c >= 0x80 && c <= 0xA0) }

func isLower(c rune) bool { return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) }

func isUpper(c rune) bool { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) }

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

func isNameChar(c rune) bool { return isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '@' }

// validChar is erl_scan's ?UNICODE test.
func validChar(c rune) bool {
	return (c >= 0 && c < 0xD800) || (c > 0xDFFF && c < 0xFFFE) || (c > 0xFFFF && c <= 0x10FFFF)
}

// next scans one token or skips white space / a comment. It reports done
// at the end of the input.
func (s *scanner) next() (bool, error) {
	if s.i >= len(s.src) {
		return true, nil
	}
	c := s.src[s.i]
	pos := Pos{s.line, s.col}
	switch {
	case c == '\n':
		s.i++
		s.line++
		s.col = 1
		return false, nil
	case isWhite(c):
		s.i++
		s.col++
		return false, nil
	case c == '%':
		for s.i < len(s.src) && s.src[s.i] != '\n' {
			if !validChar(s.src[s.i]) {
				return false, s.errAt(pos, "illegal character")
			}
			s.i++
			s.col++
		}
		return false, nil
	case isUpper(c) || c == '_':
		name := s.name()
		s.emit(Token{Kind: Var, Pos: pos, Text: name})
		return false, nil
	case isLower(c):
		name := s.name()
		if len([]rune(name)) > MaxAtomLen {
			return false, s.errAt(pos, "illegal atom")
		}
		if reserved[name] {
			s.emit(Token{Kind: Reserved, Pos: pos, Text: name})
		} else {
			s.emit(Token{Kind: Atom, Pos: pos, Text: name})
		}
		return false, nil
	case isDigit(c):
		return false, s.number(pos)
	case c == '"':
		str, err := s.quoted('"', pos)
		if err != nil {
			return false, err
		}
		s.emit(Token{Kind: String, Pos: pos, Text: str})
		return false, nil
	case c == '\'':
		str, err := s.quoted('\'', pos)
		if err != nil {
			return false, err
		}
		if len([]rune(str)) > MaxAtomLen {
			return false, s.errAt(pos, "illegal atom")
		}
		s.emit(Token{Kind: Atom, Pos: pos, Text: str})
		return false, nil
	case c == '$':
		return false, s.char(pos)
	case c == '.':
		n := s.peek(1)
		if n == -1 || n == '%' || isWhite(n) {
			s.i++
			s.col++
			s.emit(Token{Kind: Dot, Pos: pos, Text: "."})
			return false, nil
		}
	}
	for _, op := range opsByFirst[c] {
		if s.hasPrefix(op) {
			s.i += len(op)
			s.col += len(op)
			s.emit(Token{Kind: Punct, Pos: pos, Text: op})
			return false, nil
		}
	}
	if c >= 0 && c <= 255 {
		// erl_scan makes any other Latin-1 character a one-character
		// token that the parser rejects.
		s.i++
		s.col++
		s.emit(Token{Kind: Punct, Pos: pos, Text: string(c)})
		return false, nil
	}
	return false, s.errAt(pos, "illegal character")
}

func (s *scanner) hasPrefix(op string) bool {
	if s.i+len(op) > len(s.src) {
		return false
	}
	for k := 0; k < len(op); k++ {
		if s.src[s.i+k] != rune(op[k]) {
			return false
		}
	}
	return true
}

func (s *scanner) name() string {
	start := s.i
	for s.i < len(s.src) && isNameChar(s.src[s.i]) {
		s.i++
	}
	s.col += s.i - start
	return string(s.src[start:s.i])
}

// digitsRun scans digits valid in base b with single '_' separators
// between digits; it returns the digits without separators.
func (s *scanner) digitsRun(b int, buf *strings.Builder) {
	for s.i < len(s.src) {
		c := s.src[s.i]
		if digitVal(c) < b {
			buf.WriteRune(c)
			s.i++
			continue
		}
		if c == '_' && buf.Len() > 0 && s.i+1 < len(s.src) && digitVal(s.src[s.i+1]) < b && s.i > 0 && digitVal(s.src[s.i-1]) < b {
			s.i++
			continue
		}
		return
	}
}

func digitVal(c rune) int {
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

func (s *scanner) number(pos Pos) error {
	start := s.i
	var digits strings.Builder
	s.digitsRun(10, &digits)
	if s.peek(0) == '#' {
		b, err := strconv.Atoi(digits.String())
		if err != nil || b < 2 || b > 36 {
			s.col += s.i - start
			bs := digits.String()
			if err == nil {
				bs = strconv.Itoa(b)
			}
			return s.errAt(pos, "illegal base '"+bs+"'")
		}
		s.i++
		var bd strings.Builder
		s.digitsRun(b, &bd)
		s.col += s.i - start
		v, ok := bigFromDigits(bd.String(), b)
		if !ok {
			return s.errAt(pos, "illegal integer")
		}
		s.emit(Token{Kind: Integer, Pos: pos, Int: v})
		return nil
	}
	if s.peek(0) == '.' && isDigit(s.peek(1)) {
		var f strings.Builder
		f.WriteString(digits.String())
		f.WriteByte('.')
		s.i++
		s.digitsRun(10, &f)
		if c := s.peek(0); c == 'e' || c == 'E' {
			f.WriteByte('e')
			s.i++
			if c := s.peek(0); c == '+' || c == '-' {
				f.WriteRune(c)
				s.i++
			}
			s.digitsRun(10, &f)
		}
		s.col += s.i - start
		v, err := strconv.ParseFloat(f.String(), 64)
		if err != nil || strings.HasSuffix(f.String(), "e") || strings.HasSuffix(f.String(), "+") || strings.HasSuffix(f.String(), "-") {
			return s.errAt(pos, "illegal float")
		}
		s.emit(Token{Kind: Float, Pos: pos, Float: v})
		return nil
	}
	s.col += s.i - start
	v, ok := bigFromDigits(digits.String(), 10)
	if !ok {
		return s.errAt(pos, "illegal integer")
	}
	s.emit(Token{Kind: Integer, Pos: pos, Int: v})
	return nil
}

// escape scans the escape sequence after a backslash at s.i. It returns
// the character, or ok=false with an error message position.
func (s *scanner) escape() (rune, bool, bool) {
	c := s.peek(0)
	switch {
	case c == -1:
		return 0, false, true // eof
	case c >= '0' && c <= '7':
		v := rune(0)
		for k := 0; k < 3 && s.peek(0) >= '0' && s.peek(0) <= '7'; k++ {
			v = v*8 + s.peek(0) - '0'
			s.adv()
		}
		return v, true, false
	case c == 'x':
		s.adv()
		if s.peek(0) == '{' {
			s.adv()
			v := 0
			n := 0
			for digitVal(s.peek(0)) < 16 {
				if v <= 0x10FFFF {
					v = v*16 + digitVal(s.peek(0))
				}
				n++
				s.adv()
			}
			if s.peek(0) == -1 {
				return 0, false, true
			}
			if s.peek(0) != '}' || n == 0 || !validChar(rune(v)) || v > 0x10FFFF {
				if s.peek(0) == '}' {
					s.adv()
				}
				return 0, false, false
			}
			s.adv()
			return rune(v), true, false
		}
		if digitVal(s.peek(0)) < 16 && digitVal(s.peek(1)) < 16 {
			v := digitVal(s.peek(0))*16 + digitVal(s.peek(1))
			s.adv()
			s.adv()
			return rune(v), true, false
		}
		if s.peek(0) == -1 || (digitVal(s.peek(0)) < 16 && s.peek(1) == -1) {
			return 0, false, true
		}
		return 0, false, false
	case c == '^':
		s.adv()
		d := s.peek(0)
		if d == -1 {
			return 0, false, true
		}
		s.adv()
		if d == '\n' {
			return '\n', true, false
		}
		return d & 31, true, false
	}
	s.adv()
	if !validChar(c) {
		return 0, false, false
	}
	switch c {
	case 'n':
		return '\n', true, false
	case 'r':
		return '\r', true, false
	case 't':
		return '\t', true, false
	case 'v':
		return '\v', true, false
	case 'b':
		return '\b', true, false
	case 'f':
		return '\f', true, false
	case 'e':
		return 27, true, false
	case 's':
		return ' ', true, false
	case 'd':
		return 127, true, false
	}
	return c, true, false
}

// adv consumes one character, tracking lines.
func (s *scanner) adv() {
	if s.src[s.i] == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	s.i++
}

// quoted scans a string or quoted atom starting at the opening quote.
func (s *scanner) quoted(q rune, pos Pos) (string, error) {
	s.adv()
	var b strings.Builder
	for {
		c := s.peek(0)
		switch {
		case c == -1:
			head := []rune(b.String())
			if len(head) > 16 {
				head = head[:16]
			}
			return "", s.errAt(pos, "unterminated "+quoteThing(q)+" starting with "+quoteHead(head, q))
		case c == q:
			s.adv()
			return b.String(), nil
		case c == '\\':
			epos := Pos{s.line, s.col}
			s.adv()
			v, ok, eof := s.escape()
			if eof {
				head := []rune(b.String())
				if len(head) > 16 {
					head = head[:16]
				}
				return "", s.errAt(pos, "unterminated "+quoteThing(q)+" starting with "+quoteHead(head, q))
			}
			if !ok {
				return "", s.errAt(epos, "illegal character")
			}
			b.WriteRune(v)
		case !validChar(c):
			return "", s.errAt(Pos{s.line, s.col}, "illegal character")
		default:
			b.WriteRune(c)
			s.adv()
		}
	}
}

func quoteThing(q rune) string {
	if q == '"' {
		return "string"
	}
	return "atom"
}

// quoteHead is io_lib:write_string(Head, Quote).
func quoteHead(head []rune, q rune) string {
	var b strings.Builder
	b.WriteRune(q)
	for _, c := range head {
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\v':
			b.WriteString(`\v`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == 27:
			b.WriteString(`\e`)
		case c == 127:
			b.WriteString(`\d`)
		case c < ' ':
			b.WriteString(`\^`)
			b.WriteRune(c + 64)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteRune(q)
	return b.String()
}

func (s *scanner) char(pos Pos) error {
	s.adv() // $
	c := s.peek(0)
	switch {
	case c == -1:
		return s.errAt(pos, "unterminated character")
	case c == '\\':
		s.adv()
		v, ok, eof := s.escape()
		if eof {
			return s.errAt(pos, "unterminated character")
		}
		if !ok {
			return s.errAt(pos, "illegal character")
		}
		s.emit(Token{Kind: Char, Pos: pos, Int: term.Int(v)})
		return nil
	case !validChar(c):
		return s.errAt(pos, "illegal character")
	}
	s.adv()
	s.emit(Token{Kind: Char, Pos: pos, Int: term.Int(c)})
	return nil
}
