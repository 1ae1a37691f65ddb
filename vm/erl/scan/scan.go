package scan

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/internal/erltext"
	"github.com/avmsh/avmsh/vm/term"
)

// MaxAtomLen is the longest atom name, in characters (system_limit in
// Erlang; erl_scan reports "illegal atom").
const MaxAtomLen = 255

// IsReserved reports whether name is a reserved word.
func IsReserved(name string) bool { return erltext.IsReserved(name) }

// operators, longest first within each leading character.
var operators = []string{
	"...", "=:=", "=/=",
	"..", "?=", "<<", "<-", "<=", ">>", ">=", "->", "--", "++", "=<", "=>", "==", "/=", "||", ":=", "::",
	",", "(", ")", "{", "}", "[", "]", ";", "=", ":", "|", "#", "/", "?", "-", "+", "*", "<", ">", "!",
	"@", "\\", "^", "`", "~", "&",
}

// opsByFirst indexes operators by their first character, longest first
// (built on first use, not when the program starts).
var opsByFirst = sync.OnceValue(func() map[rune][]string {
	m := map[rune][]string{}
	for _, op := range operators {
		r := rune(op[0])
		m[r] = append(m[r], op)
	}
	return m
})

// scanner holds the state of one scan. src is read as UTF-8 (an invalid
// byte is the character U+FFFD, as a []rune conversion makes it); i is a
// byte offset, col counts characters.
type scanner struct {
	src  string
	i    int
	line int
	col  int
	toks []Token
	// split only looks for the end of a command: tokens are counted,
	// not kept, and string contents are not built.
	split bool
	last  Kind
}

// Tokens scans src completely, like erl_scan:string/2 with start location
// {1,1}. Comments are skipped. A dot token is produced for each full stop
// followed by white space, '%' or the end of the input.
func Tokens(src string) ([]Token, error) {
	return TokensAt(src, Pos{1, 1})
}

// TokensAt scans src starting at position start. Its work and memory
// are linear in the input.
func TokensAt(src string, start Pos) ([]Token, error) {
	s := &scanner{src: src, line: start.Line, col: start.Col, toks: make([]Token, 0, min(len(src)/4+4, 1024))}
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

// peek returns the k-th character ahead (0: the current one), or -1 at
// the end of the input.
func (s *scanner) peek(k int) rune {
	i := s.i
	for ; k > 0; k-- {
		if i >= len(s.src) {
			return -1
		}
		i += s.width(i)
	}
	if i >= len(s.src) {
		return -1
	}
	if c := s.src[i]; c < utf8.RuneSelf {
		return rune(c)
	}
	c, _ := utf8.DecodeRuneInString(s.src[i:])
	return c
}

// width is the byte length of the character at byte offset i.
func (s *scanner) width(i int) int {
	if s.src[i] < utf8.RuneSelf {
		return 1
	}
	_, w := utf8.DecodeRuneInString(s.src[i:])
	return w
}

func (s *scanner) errAt(p Pos, msg string) error {
	return &Error{Pos: p, Module: "erl_scan", Msg: msg}
}

func (s *scanner) emit(t Token) {
	if s.split {
		s.last = t.Kind
		return
	}
	s.toks = append(s.toks, t)
}

func isWhite(c rune) bool { return (c >= 0 && c <= ' ') || (c >= 0x80 && c <= 0xA0) }

func isLower(c rune) bool { return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) }

func isUpper(c rune) bool { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) }

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

func digitVal(c rune) int { return erltext.DigitValue(c) }

func isNameChar(c rune) bool { return isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '@' }

// validChar is erl_scan's ?UNICODE test.
func validChar(c rune) bool { return erltext.ValidChar(c) }

// next scans one token or skips white space / a comment. It reports done
// at the end of the input.
func (s *scanner) next() (bool, error) {
	if s.i >= len(s.src) {
		return true, nil
	}
	c := s.peek(0)
	pos := Pos{s.line, s.col}
	switch {
	case c == '\n':
		s.i++
		s.line++
		s.col = 1
		return false, nil
	case isWhite(c):
		s.adv()
		return false, nil
	case c == '%':
		for s.i < len(s.src) && s.src[s.i] != '\n' {
			if !validChar(s.peek(0)) {
				return false, s.errAt(pos, "illegal character")
			}
			s.adv()
		}
		return false, nil
	case isUpper(c) || c == '_':
		name := s.name()
		s.emit(Token{Kind: Var, Pos: pos, Text: name})
		return false, nil
	case isLower(c):
		name := s.name()
		if utf8.RuneCountInString(name) > MaxAtomLen {
			return false, s.errAt(pos, "illegal atom")
		}
		if erltext.IsReserved(name) {
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
		if utf8.RuneCountInString(str) > MaxAtomLen {
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
	for _, op := range opsByFirst()[c] {
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
		s.adv()
		s.emit(Token{Kind: Punct, Pos: pos, Text: string(c)})
		return false, nil
	}
	return false, s.errAt(pos, "illegal character")
}

func (s *scanner) hasPrefix(op string) bool { return strings.HasPrefix(s.src[s.i:], op) }

func (s *scanner) name() string {
	start := s.i
	for s.i < len(s.src) && isNameChar(s.peek(0)) {
		s.i += s.width(s.i)
		s.col++
	}
	return s.src[start:s.i]
}

// digitsRun scans digits valid in base b with single '_' separators
// between digits; it returns the digits without separators.
func (s *scanner) digitsRun(b int, buf *strings.Builder) {
	for s.i < len(s.src) {
		c := rune(s.src[s.i]) // digits and '_' are ASCII
		if digitVal(c) < b {
			buf.WriteRune(c)
			s.i++
			continue
		}
		if c == '_' && buf.Len() > 0 && s.i+1 < len(s.src) && digitVal(rune(s.src[s.i+1])) < b && s.i > 0 && digitVal(rune(s.src[s.i-1])) < b {
			s.i++
			continue
		}
		return
	}
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
// the character, or ok=false (an illegal sequence), or eof=true (the
// input ends inside it).
func (s *scanner) escape() (r rune, ok, eof bool) {
	r, n, st := erltext.Escape(s.src[s.i:])
	for end := min(s.i+n, len(s.src)); s.i < end; {
		s.adv()
	}
	return r, st == erltext.EscapeOK, st == erltext.EscapeEOF
}

// adv consumes one character, tracking lines.
func (s *scanner) adv() {
	if s.src[s.i] == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	s.i += s.width(s.i)
}

// quoted scans a string or quoted atom starting at the opening quote.
func (s *scanner) quoted(q rune, pos Pos) (string, error) {
	s.adv()
	start := s.i
	// Without escapes the text is the source itself (no copy); after the
	// first escape it is built in b (not in split mode, which only looks
	// for the end of the command).
	var b strings.Builder
	escaped := false
	for {
		c := s.peek(0)
		switch {
		case c == -1:
			return "", s.unterminated(q, pos, start, &b, escaped)
		case c == q:
			text := s.src[start:s.i]
			if escaped {
				text = b.String()
			}
			s.adv()
			return text, nil
		case c == '\\':
			if !escaped && !s.split {
				b.WriteString(s.src[start:s.i])
			}
			escaped = true
			epos := Pos{s.line, s.col}
			s.adv()
			v, ok, eof := s.escape()
			if eof {
				return "", s.unterminated(q, pos, start, &b, escaped)
			}
			if !ok {
				return "", s.errAt(epos, "illegal character")
			}
			if !s.split {
				b.WriteRune(v)
			}
		case !validChar(c):
			return "", s.errAt(Pos{s.line, s.col}, "illegal character")
		default:
			if j := s.plainRun(q); j > s.i {
				if escaped && !s.split {
					b.WriteString(s.src[s.i:j])
				}
				s.col += j - s.i
				s.i = j
				continue
			}
			if escaped && !s.split {
				b.WriteRune(c)
			}
			s.adv()
		}
	}
}

// plainRun is the end of the run of printable ASCII characters at s.i
// that are neither the quote q nor a backslash (one column each): a
// string's body is skipped a run at a time.
func (s *scanner) plainRun(q rune) int {
	j := s.i
	for j < len(s.src) {
		c := s.src[j]
		if c < 0x20 || c >= 0x7F || rune(c) == q || c == '\\' {
			break
		}
		j++
	}
	return j
}

// unterminated is erl_scan's error for a string or quoted atom that the
// input ends in, quoting its first 16 characters.
func (s *scanner) unterminated(q rune, pos Pos, start int, b *strings.Builder, escaped bool) error {
	text := s.src[start:]
	if escaped {
		text = b.String()
	}
	head := make([]rune, 0, 16)
	for _, c := range text {
		if len(head) == 16 {
			break
		}
		head = append(head, c)
	}
	return s.errAt(pos, "unterminated "+quoteThing(q)+" starting with "+quoteHead(head, q))
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
