package syntax

import (
	"errors"
	"fmt"
	"github.com/avmsh/avmsh/vm/internal/erltext"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// ParseOptions configure Parse. The zero value is usable.
type ParseOptions struct {
	// Node gives meaning to <0.X.Y>, #Port<0.N> and #Ref<0.A.B.C>: they
	// are identifiers of Node.Local with creation Node.LocalCreation.
	Node NodeContext
	// NodeByIndex resolves OTP's node indexes (<9267.1.2>); without it
	// only index 0 (the local node) is accepted.
	NodeByIndex func(index int) (node term.Atom, creation uint32, ok bool)
	// MaxDepth bounds nesting of lists, tuples, maps and binaries
	// (default 1000).
	MaxDepth int
	// MaxBinary bounds the size in bytes of one binary literal, which
	// sizes like <<0:4000000000>> could otherwise blow up (default 16 MiB).
	MaxBinary int
}

// ParseError is a syntax error in a term literal.
type ParseError struct {
	// Offset is the byte offset in the input; Line and Column (in
	// characters) are 1-based.
	Offset, Line, Column int
	// Msg says what is wrong and what was expected.
	Msg string
}

// Error formats the error with its line and column.
func (e *ParseError) Error() string {
	return fmt.Sprintf("term syntax: line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// ErrSyntax is matched by every *ParseError with errors.Is.
var ErrSyntax = errors.New("term syntax error")

// Is makes errors.Is(err, ErrSyntax) true for parse errors.
func (e *ParseError) Is(target error) bool { return target == ErrSyntax }

// Parse reads one term literal, optionally followed by a '.', from s.
// Whitespace and % comments may appear between tokens.
func Parse(s string, o ParseOptions) (term.Term, error) {
	p := newParser(s, o)
	t, err := p.parseTerm(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() == '.' {
		p.pos++
		p.skipSpace()
	}
	if p.pos < len(p.src) {
		return nil, p.errf(p.pos, "unexpected %s after the term; expected the end of the input", p.describe())
	}
	return t, nil
}

// ParseSequence reads zero or more comma-separated term literals (such as
// the arguments of a function call) and returns them as a slice.
func ParseSequence(s string, o ParseOptions) ([]term.Term, error) {
	p := newParser(s, o)
	p.skipSpace()
	var out []term.Term
	if p.pos >= len(p.src) {
		return out, nil
	}
	for {
		t, err := p.parseTerm(0)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		p.skipSpace()
		if p.peek() == ',' {
			p.pos++
			continue
		}
		if p.peek() == '.' {
			p.pos++
			p.skipSpace()
		}
		if p.pos < len(p.src) {
			return nil, p.errf(p.pos, "unexpected %s; expected ',' or the end of the input", p.describe())
		}
		return out, nil
	}
}

type parser struct {
	src string
	pos int
	o   ParseOptions
}

func newParser(s string, o ParseOptions) *parser {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 1000
	}
	if o.MaxBinary <= 0 {
		o.MaxBinary = 16 << 20
	}
	return &parser{src: s, o: o}
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) peekAt(i int) byte {
	if p.pos+i < len(p.src) {
		return p.src[p.pos+i]
	}
	return 0
}

func (p *parser) hasPrefix(s string) bool {
	return len(p.src)-p.pos >= len(s) && p.src[p.pos:p.pos+len(s)] == s
}

// position converts a byte offset to a line and a character column.
func (p *parser) position(off int) (int, int) {
	line, col := 1, 1
	for i := 0; i < off && i < len(p.src); {
		if p.src[i] == '\n' {
			line++
			col = 1
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(p.src[i:])
		i += size
		col++
	}
	return line, col
}

func (p *parser) errf(off int, format string, args ...any) *ParseError {
	line, col := p.position(off)
	return &ParseError{Offset: off, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// describe names what is at the current position, for error messages.
func (p *parser) describe() string {
	if p.pos >= len(p.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02x", p.src[p.pos])
	}
	return fmt.Sprintf("%q", r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case c == '%':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == 0xC2 && p.peekAt(1) == 0xA0: // no-break space
			p.pos += 2
		default:
			return
		}
	}
}

func (p *parser) expect(c byte, what string) error {
	p.skipSpace()
	if p.peek() != c {
		return p.errf(p.pos, "unexpected %s; expected %s", p.describe(), what)
	}
	p.pos++
	return nil
}

// parseTerm reads one term at nesting depth.
func (p *parser) parseTerm(depth int) (term.Term, error) {
	if depth > p.o.MaxDepth {
		return nil, p.errf(p.pos, "nesting deeper than %d levels", p.o.MaxDepth)
	}
	p.skipSpace()
	start := p.pos
	c := p.peek()
	switch {
	case c == 0:
		return nil, p.errf(p.pos, "unexpected end of input; expected a term")
	case c >= '0' && c <= '9':
		return p.parseNumber(false)
	case c == '-' || c == '+':
		p.pos++
		p.skipSpace()
		switch d := p.peek(); {
		case d >= '0' && d <= '9':
			return p.parseNumber(c == '-')
		case d == '$':
			v, err := p.scanChar()
			if err != nil {
				return nil, err
			}
			if c == '-' {
				return -v, nil
			}
			return v, nil
		}
		return nil, p.errf(p.pos, "unexpected %s after %q; expected a number", p.describe(), c)
	case c == '$':
		return p.parseChar()
	case c == '"':
		return p.parseStrings()
	case c == '\'':
		a, err := p.parseQuotedAtom()
		if err != nil {
			return nil, err
		}
		return a, nil
	case c == '[':
		return p.parseList(depth)
	case c == '{':
		return p.parseTuple(depth)
	case c == '#':
		switch {
		case p.hasPrefix("#{"):
			return p.parseMap(depth)
		case p.hasPrefix("#Ref<"):
			return p.parseRef()
		case p.hasPrefix("#Port<"):
			return p.parsePort()
		case p.hasPrefix("#Fun<"):
			return nil, p.errf(p.pos, "a local fun (#Fun<...>) cannot be written as a literal; only fun M:F/A can")
		}
		return nil, p.errf(p.pos+1, "unexpected %q after '#'; expected '{' (a map), Ref<, Port<", rune(p.peekAt(1)))
	case c == '<':
		if p.hasPrefix("<<") {
			return p.parseBinary(depth)
		}
		return p.parsePid()
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return nil, p.errf(p.pos, "invalid UTF-8 byte 0x%02x", c)
	case isLowerStart(r):
		name := p.scanName()
		if name == "fun" {
			return p.parseExportFun(start)
		}
		if erltext.IsReserved(name) {
			return nil, p.errf(start, "%s is a reserved word; write the atom quoted: '%s'", name, name)
		}
		if utf8.RuneCountInString(name) > 255 {
			return nil, p.errf(start, "atom too long (%d characters; the limit is 255)", utf8.RuneCountInString(name))
		}
		return term.Atom(name), nil
	case (r >= 'A' && r <= 'Z') || r == '_' || (r >= 0xC0 && r <= 0xDE && r != 0xD7):
		name := p.scanName()
		return nil, p.errf(start, "variable %s is not allowed in a term literal; to write an atom, quote it: '%s'", name, name)
	}
	return nil, p.errf(p.pos, "unexpected %s; expected a term", p.describe())
}

// scanName reads name characters (an unquoted atom or a variable).
func (p *parser) scanName() string {
	start := p.pos
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if p.pos > start && !isNameChar(r) {
			break
		}
		p.pos += size
	}
	return p.src[start:p.pos]
}

func (p *parser) parseList(depth int) (term.Term, error) {
	open := p.pos
	p.pos++ // '['
	p.skipSpace()
	if p.peek() == ']' {
		p.pos++
		return term.Nil, nil
	}
	var elems []term.Term
	for {
		e, err := p.parseTerm(depth + 1)
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '|':
			p.pos++
			tail, err := p.parseTerm(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := p.expect(']', "']' to close the list opened at "+p.at(open)); err != nil {
				return nil, err
			}
			return term.Cons(elems, tail), nil
		case ']':
			p.pos++
			return term.List(elems), nil
		}
		return nil, p.errf(p.pos, "unexpected %s in the list opened at %s; expected ',', '|' or ']'", p.describe(), p.at(open))
	}
}

// at names a position for messages ("line 1, column 3").
func (p *parser) at(off int) string {
	l, c := p.position(off)
	return fmt.Sprintf("line %d, column %d", l, c)
}

func (p *parser) parseTuple(depth int) (term.Term, error) {
	open := p.pos
	p.pos++ // '{'
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return term.Tuple{}, nil
	}
	var elems term.Tuple
	for {
		e, err := p.parseTerm(depth + 1)
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
			return elems, nil
		}
		return nil, p.errf(p.pos, "unexpected %s in the tuple opened at %s; expected ',' or '}'", p.describe(), p.at(open))
	}
}

func (p *parser) parseMap(depth int) (term.Term, error) {
	open := p.pos
	p.pos += 2 // "#{"
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return term.Map{}, nil
	}
	var kvs []term.KV
	for {
		k, err := p.parseTerm(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.hasPrefix(":=") {
			return nil, p.errf(p.pos, "':=' only updates an existing map; a map literal uses '=>'")
		}
		if !p.hasPrefix("=>") {
			return nil, p.errf(p.pos, "unexpected %s in the map opened at %s; expected '=>'", p.describe(), p.at(open))
		}
		p.pos += 2
		v, err := p.parseTerm(depth + 1)
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, term.KV{Key: k, Value: v})
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
			return term.NewMap(kvs...), nil
		}
		return nil, p.errf(p.pos, "unexpected %s in the map opened at %s; expected ',' or '}'", p.describe(), p.at(open))
	}
}
