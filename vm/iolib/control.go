package iolib

import (
	"math/big"
	"strings"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
	"github.com/rivo/uniseg"
)

func (b *builder) printOptions(s *spec) syntax.Options {
	o := syntax.Options{Node: b.o.Node, PrintableRange: b.o.PrintableRange, Records: b.o.Records, NoStrings: s.noStrings}
	if s.unicode {
		o.Encoding = syntax.Unicode
	}
	return o
}

// control runs one control sequence.
func (b *builder) control(s *spec) error {
	switch s.control {
	case 'w', 'W':
		o := b.printOptions(s)
		if s.control == 'W' {
			d, ok := s.args[1].(term.Int)
			if !ok {
				return badarg("the depth of ~W must be an integer, got %s", syntax.Write(s.args[1], syntax.Options{}))
			}
			if d == 0 {
				return b.term([]rune("..."), s)
			}
			o.Depth = clampDepth(d)
		}
		text := syntax.Write(s.args[0], o)
		if s.width < 0 && s.precision < 0 {
			b.text(text)
			return nil
		}
		return b.term([]rune(text), s)
	case 'p', 'P':
		return b.print(s)
	case 's':
		return b.str(s)
	case 'e', 'f', 'g':
		f, ok := s.args[0].(term.Float)
		if !ok {
			return badarg("~%c needs a float, got %s", s.control, syntax.Write(s.args[0], syntax.Options{}))
		}
		return b.float(s, float64(f))
	case 'b', 'B', 'x', 'X', '+', '#':
		return b.integer(s)
	case 'c':
		v, ok := term.ToBig(s.args[0])
		if !ok {
			return badarg("~c needs an integer, got %s", syntax.Write(s.args[0], syntax.Options{}))
		}
		if !s.unicode {
			v.And(v, big.NewInt(255))
		}
		if !v.IsInt64() || !validChar(v.Int64()) {
			return badarg("~tc of %s: not a Unicode character", v)
		}
		return b.charCtl(rune(v.Int64()), s)
	case '~':
		return b.charCtl('~', s)
	case 'n':
		if s.width < 0 {
			b.char('\n')
			return nil
		}
		if s.left {
			return badarg("~n cannot be left-adjusted")
		}
		b.runes(repeat('\n', s.width))
		return nil
	case 'i':
		return nil
	}
	return badarg("unknown control sequence ~%c", s.control)
}

func clampDepth(d term.Int) int {
	switch {
	case d < 0:
		return -1
	case d > 1<<30:
		return 1 << 30
	}
	return int(d)
}

// print is ~p and ~P: io_lib_pretty with the field width as the line
// length and the precision (default: the current column) as the column.
func (b *builder) print(s *spec) error {
	if s.left {
		return badarg("~p cannot be left-adjusted")
	}
	o := b.printOptions(s)
	if s.control == 'P' {
		d, ok := s.args[1].(term.Int)
		if !ok {
			return badarg("the depth of ~P must be an integer, got %s", syntax.Write(s.args[1], syntax.Options{}))
		}
		if d == 0 {
			b.text("...")
			return nil
		}
		o.Depth = clampDepth(d)
	}
	switch {
	case s.width < 0:
		o.LineLength = 80
	case s.width == 0:
		o.LineLength = -1
	default:
		o.LineLength = s.width
	}
	o.Column = b.col + 1
	if s.precision >= 0 {
		o.Column = s.precision
	}
	b.text(syntax.Pretty(s.args[0], o))
	return nil
}

// term is io_lib_format:term/5: a printed term in a field, replaced by
// asterisks when it does not fit.
func (b *builder) term(t []rune, s *spec) error {
	f, p := s.width, s.precision
	if f < 0 && p < 0 {
		b.runes(t)
		return nil
	}
	if f < 0 {
		f = p
	}
	pad, err := b.padRune(s)
	if err != nil {
		return err
	}
	l := charsLength(t)
	lim := f
	if p >= 0 {
		lim = min(p, f)
	}
	lim = min(l, lim)
	if l > lim {
		b.adjust(repeat('*', lim), repeat(pad, f-lim), s.left)
		return nil
	}
	b.adjust(t, repeat(pad, f-l), s.left)
	return nil
}

// charsLength is io_lib:chars_length/1.
func charsLength(rs []rune) int {
	for _, r := range rs {
		if r > 0xFF {
			return uniseg.GraphemeClusterCount(string(rs))
		}
	}
	return len(rs)
}

// truncate is flat_trunc/3: the first n characters (latin1) or grapheme
// clusters (unicode).
func truncate(rs []rune, n int, unicode bool) []rune {
	if !unicode {
		return rs[:min(n, len(rs))]
	}
	g := uniseg.NewGraphemes(string(rs))
	var out []rune
	for i := 0; i < n && g.Next(); i++ {
		out = append(out, g.Runes()...)
	}
	return out
}

// str is ~s and ~ts.
func (b *builder) str(s *spec) error {
	var chars []rune
	switch v := s.args[0].(type) {
	case term.Atom:
		chars = []rune(string(v))
		if !s.unicode {
			for _, c := range chars {
				if c > 0xFF {
					return badarg("~s of an atom with characters above 255 (use ~ts): %s", syntax.Write(v, syntax.Options{}))
				}
			}
		}
	default:
		var err error
		if s.unicode {
			chars, err = cdataToChars(v)
		} else {
			chars, err = iolistToChars(v)
		}
		if err != nil {
			return err
		}
	}
	return b.stringField(chars, s)
}

// stringField is io_lib_format:string/6.
func (b *builder) stringField(str []rune, s *spec) error {
	f, p := s.width, s.precision
	if f < 0 && p < 0 {
		b.runes(str)
		return nil
	}
	pad, err := b.padRune(s)
	if err != nil {
		return err
	}
	n := charsLength(str)
	switch {
	case p < 0:
		b.field(str, f, s.left, n, pad, s.unicode)
	case f < 0:
		b.field(str, p, true, n, pad, s.unicode)
	case f < p:
		return badarg("field width %d is smaller than precision %d", f, p)
	case f > p:
		switch {
		case n > p:
			b.adjust(truncate(str, p, s.unicode), repeat(pad, f-p), s.left)
		case n < p:
			b.adjust(append(append([]rune{}, str...), repeat(pad, p-n)...), repeat(pad, f-p), s.left)
		default:
			b.adjust(str, repeat(pad, f-p), s.left)
		}
	default:
		b.field(str, f, s.left, n, pad, s.unicode)
	}
	return nil
}

// field is string_field/6.
func (b *builder) field(str []rune, f int, left bool, n int, pad rune, unicode bool) {
	switch {
	case n > f:
		b.runes(truncate(str, f, unicode))
	case n < f:
		b.adjust(str, repeat(pad, f-n), left)
	default:
		b.runes(str)
	}
}

// char is io_lib_format:char/5 (~c and ~~).
func (b *builder) charCtl(c rune, s *spec) error {
	f, p := s.width, s.precision
	switch {
	case f < 0 && p < 0:
		b.runes([]rune{c})
	case p < 0:
		b.runes(repeat(c, f))
	case f < 0:
		b.runes(repeat(c, p))
	case f >= p:
		pad, err := b.padRune(s)
		if err != nil {
			return err
		}
		b.adjust(repeat(c, p), repeat(pad, f-p), s.left)
	default:
		return badarg("field width %d is smaller than precision %d", f, p)
	}
	return nil
}

// integer is ~b ~B ~x ~X ~+ ~#.
func (b *builder) integer(s *spec) error {
	v, ok := term.ToBig(s.args[0])
	if !ok {
		return badarg("~%c needs an integer, got %s", s.control, syntax.Write(s.args[0], syntax.Options{}))
	}
	base := 10
	if s.precision >= 0 {
		base = s.precision
	}
	if base < 2 || base > 36 {
		return badarg("base %d is out of range 2..36", base)
	}
	lower := s.control == 'b' || s.control == 'x' || s.control == '+'
	var prefix []rune
	switch s.control {
	case 'x', 'X':
		var err error
		prefix, err = prefixChars(s.args[1])
		if err != nil {
			return err
		}
	case '+', '#':
		prefix = []rune(big.NewInt(int64(base)).String() + "#")
	}
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).Text(base)
	if !lower {
		digits = strings.ToUpper(digits)
	}
	var out []rune
	if neg {
		out = append(out, '-')
	}
	out = append(out, prefix...)
	out = append(out, []rune(digits)...)
	return b.term(out, &spec{width: s.width, left: s.left, precision: -1, pad: s.pad})
}

// prefixChars is the prefix argument of ~x and ~X: an atom or a deep
// list of characters.
func prefixChars(t term.Term) ([]rune, error) {
	if a, ok := t.(term.Atom); ok {
		return []rune(string(a)), nil
	}
	var out []rune
	var walk func(t term.Term, depth int) bool
	walk = func(t term.Term, depth int) bool {
		l, ok := term.AsList(t)
		if !ok || depth > 100 {
			return false
		}
		for _, e := range l {
			if c, ok := e.(term.Int); ok {
				if !charListChar(int64(c)) {
					return false
				}
				out = append(out, rune(c))
				continue
			}
			if !walk(e, depth+1) {
				return false
			}
		}
		return true
	}
	if !walk(t, 0) {
		return nil, badarg("the prefix of ~x must be an atom or a character list, got %s", syntax.Write(t, syntax.Options{}))
	}
	return out, nil
}

// charListChar is io_lib:char_list/1's test for one character.
func charListChar(c int64) bool {
	return (c >= 0 && c < 0xD800) || (c > 0xDFFF && c < 0xFFFE) || (c > 0xFFFF && c <= 0x10FFFF)
}
