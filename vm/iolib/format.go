package iolib

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// ErrBadArg is wrapped by every error Format returns: io_lib:format/2
// raises badarg in the same cases.
var ErrBadArg = errors.New("badarg")

// Options is the printing context of ~w, ~p and friends.
type Options struct {
	// Node decides how pids, ports and references print.
	Node syntax.NodeContext
	// PrintableRange is io:printable_range() (Latin1 by default).
	PrintableRange syntax.Encoding
	// Records lets ~p print records (see syntax.Options.Records).
	Records func(tag term.Atom, fields int) []term.Atom
}

// spec is one parsed control sequence (io_lib:format_spec()).
type spec struct {
	offset    int // rune offset of '~' in the format, for errors
	width     int // -1: none
	left      bool
	precision int // -1: none
	pad       term.Term
	unicode   bool // t modifier
	noStrings bool // l modifier
	control   rune
	args      []term.Term
}

// item is a run of literal characters or a control sequence.
type item struct {
	lit  []rune
	spec *spec
}

func badarg(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadArg, fmt.Sprintf(format, args...))
}

// Format is io_lib:format(Format, Args): format is the format string's
// characters, args the arguments. The result is the characters of OTP's
// output as UTF-8.
func Format(format string, args []term.Term, o Options) (string, error) {
	return formatRunes([]rune(format), args, o)
}

// FormatTerm is io_lib:format/2 with Erlang terms: format is an atom, a
// binary (read as latin1 bytes, as io_lib does) or a string, and args a
// proper list.
func FormatTerm(format, args term.Term, o Options) (string, error) {
	var f []rune
	switch v := format.(type) {
	case term.Atom:
		f = []rune(string(v))
	case term.Binary:
		f = make([]rune, len(v))
		for i, b := range v {
			f[i] = rune(b)
		}
	case term.List, term.Chars:
		l, _ := term.AsList(v)
		f = make([]rune, len(l))
		for i, e := range l {
			c, ok := e.(term.Int)
			if !ok || !validChar(int64(c)) {
				return "", badarg("the format must be a string, a binary or an atom (element %d is %s)", i+1, syntax.Write(e, syntax.Options{}))
			}
			f[i] = rune(c)
		}
	default:
		return "", badarg("the format must be a string, a binary or an atom, not %s", syntax.Write(format, syntax.Options{}))
	}
	l, ok := term.AsList(args)
	if !ok {
		return "", badarg("the arguments must be a proper list, not %s", syntax.Write(args, syntax.Options{}))
	}
	return formatRunes(f, l, o)
}

func formatRunes(f []rune, args []term.Term, o Options) (string, error) {
	items, err := scan(f, args)
	if err != nil {
		return "", err
	}
	b := builder{o: o}
	for _, it := range items {
		if it.spec == nil {
			b.runes(it.lit)
			continue
		}
		if err := b.control(it.spec); err != nil {
			return "", fmt.Errorf("%w (in ~%c at position %d of the format)", err, it.spec.control, it.spec.offset+1)
		}
	}
	return b.sb.String(), nil
}

// scan is io_lib_format:scan/2: it splits the format into literal
// characters and control sequences and takes each one's arguments.
func scan(f []rune, args []term.Term) ([]item, error) {
	var items []item
	for i := 0; i < len(f); i++ {
		if f[i] != '~' {
			j := i
			for j < len(f) && f[j] != '~' {
				j++
			}
			items = append(items, item{lit: f[i:j]})
			i = j - 1
			continue
		}
		start := i
		i++
		s := &spec{offset: start, width: -1, precision: -1, pad: term.Int(' ')}
		// field width
		neg := false
		if i < len(f) && f[i] == '-' {
			neg = true
			i++
		}
		w, ok, err := fieldValue(f, &i, &args)
		if err != nil {
			return nil, fmt.Errorf("%w (at position %d of the format)", err, start+1)
		}
		if ok {
			if neg {
				w = -w
			}
			if w < 0 {
				s.width, s.left = -w, true
			} else {
				s.width = w
			}
		} else if neg {
			return nil, badarg("'-' without a field width at position %d of the format", start+1)
		}
		// precision
		if i < len(f) && f[i] == '.' {
			i++
			p, ok, err := fieldValue(f, &i, &args)
			if err != nil {
				return nil, fmt.Errorf("%w (at position %d of the format)", err, start+1)
			}
			if ok {
				if p < 0 {
					// OTP 25 loops forever on some of these; OTP 26
					// raises badarg, as we do.
					return nil, badarg("negative precision %d at position %d of the format", p, start+1)
				}
				s.precision = p
			}
			// pad character
			if i < len(f) && f[i] == '.' {
				if i+1 < len(f) && f[i+1] == '*' {
					if len(args) == 0 {
						return nil, badarg("no argument left for the pad character at position %d of the format", start+1)
					}
					s.pad = args[0]
					args = args[1:]
					i += 2
				} else if i+1 < len(f) {
					s.pad = term.Int(f[i+1])
					i += 2
				}
			}
		}
		// modifiers
		for i < len(f) && (f[i] == 't' || f[i] == 'l') {
			if f[i] == 't' {
				s.unicode = true
			} else {
				s.noStrings = true
			}
			i++
		}
		if i >= len(f) {
			return nil, badarg("the format ends inside the control sequence starting at position %d", start+1)
		}
		s.control = f[i]
		n, known := argCount(s.control)
		if !known {
			return nil, badarg("unknown control sequence ~%c at position %d of the format", s.control, start+1)
		}
		if len(args) < n {
			return nil, badarg("~%c at position %d of the format needs %d argument(s), %d left", s.control, start+1, n, len(args))
		}
		s.args = args[:n:n]
		args = args[n:]
		items = append(items, item{spec: s})
	}
	if len(args) > 0 {
		return nil, badarg("%d argument(s) left over after the format: %s", len(args), syntax.Write(term.List(args), syntax.Options{}))
	}
	return items, nil
}

// argCount is the number of arguments control character c takes; known
// is false for an unknown control.
func argCount(c rune) (n int, known bool) {
	switch c {
	case 'w', 'p', 's', 'e', 'f', 'g', 'b', 'B', '+', '#', 'c', 'i':
		return 1, true
	case 'W', 'P', 'x', 'X':
		return 2, true
	case '~', 'n':
		return 0, true
	}
	return 0, false
}

// maxField bounds field widths and precisions (OTP has no limit; a
// format from a peer could otherwise ask for gigabytes of padding).
const maxField = 1 << 20

// fieldValue reads digits or '*' (taking an integer argument).
func fieldValue(f []rune, i *int, args *[]term.Term) (int, bool, error) {
	if *i < len(f) && f[*i] == '*' {
		if len(*args) == 0 {
			return 0, false, badarg("'*' but no argument left")
		}
		n, ok := (*args)[0].(term.Int)
		if !ok {
			return 0, false, badarg("'*' needs an integer argument, got %s", syntax.Write((*args)[0], syntax.Options{}))
		}
		if n > maxField || n < -maxField {
			return 0, false, badarg("field value %d is too large", n)
		}
		*args = (*args)[1:]
		*i++
		return int(n), true, nil
	}
	start := *i
	v := 0
	for *i < len(f) && f[*i] >= '0' && f[*i] <= '9' {
		v = v*10 + int(f[*i]-'0')
		if v > maxField {
			return 0, false, badarg("field value is too large")
		}
		*i++
	}
	return v, *i > start, nil
}

// builder accumulates output and tracks the current column (for ~p's
// default column), as io_lib_format:indentation/2 counts it.
type builder struct {
	o   Options
	sb  strings.Builder
	col int
}

func (b *builder) char(c rune) {
	b.sb.WriteRune(c)
	b.advance(c)
}

func (b *builder) advance(c rune) {
	switch c {
	case '\n':
		b.col = 0
	case '\t':
		b.col = (b.col + 8) / 8 * 8
	default:
		b.col++
	}
}

func (b *builder) text(s string) {
	b.sb.WriteString(s)
	// Only what follows the last newline moves the column, and only tabs
	// need a character-by-character walk.
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		b.col = 0
		s = s[i+1:]
	}
	t := strings.IndexByte(s, '\t')
	if t < 0 {
		b.col += utf8.RuneCountInString(s)
		return
	}
	b.col += utf8.RuneCountInString(s[:t])
	for _, r := range s[t:] {
		b.advance(r)
	}
}

func (b *builder) runes(rs []rune) {
	for _, r := range rs {
		b.char(r)
	}
}

func validChar(c int64) bool {
	return c >= 0 && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF)
}

func (b *builder) padRune(s *spec) (rune, error) {
	c, ok := s.pad.(term.Int)
	if !ok || !validChar(int64(c)) {
		return 0, badarg("the pad character must be a character, got %s", syntax.Write(s.pad, syntax.Options{}))
	}
	return rune(c), nil
}

func repeat(c rune, n int) []rune {
	if n <= 0 {
		return nil
	}
	out := make([]rune, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// adjust places data and padding as io_lib_format:adjust/3.
func (b *builder) adjust(data []rune, pad []rune, left bool) {
	if left {
		b.runes(data)
		b.runes(pad)
		return
	}
	b.runes(pad)
	b.runes(data)
}
