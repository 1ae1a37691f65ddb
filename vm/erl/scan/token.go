package scan

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Pos is a position in the input: line and column, both counted from 1
// like the erl shell does for every new command ({1,1}). Every character,
// including a tab, is one column.
type Pos struct {
	Line int
	Col  int
}

// String formats the position as "line:col".
func (p Pos) String() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col) }

// Kind is the category of a token.
type Kind uint8

// Token kinds, named after erl_scan's categories.
const (
	// EOF ends the token list ('$end').
	EOF Kind = iota
	// Atom is an atom, quoted or not; Text holds its name.
	Atom
	// Var is a variable (or _); Text holds its name.
	Var
	// Integer is an integer literal; Int holds the value.
	Integer
	// Float is a float literal; Float holds the value.
	Float
	// Char is a $c literal; Int holds the code point.
	Char
	// String is a string literal; Text holds the characters.
	String
	// Punct is an operator or separator; Text holds the symbol.
	Punct
	// Reserved is a reserved word (case, end, andalso, ...); Text holds it.
	Reserved
	// Dot is the full stop that ends an expression sequence ('.' followed
	// by white space, a comment or the end of the input).
	Dot
)

var kindNames = [...]string{"eof", "atom", "var", "integer", "float", "char", "string", "punct", "reserved", "dot"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Token is one lexical token.
type Token struct {
	Kind Kind
	Pos  Pos
	// Text is the atom or variable name, the string's characters, or the
	// operator / reserved word.
	Text string
	// Int is the value of an Integer or Char token (term.Int or term.BigInt).
	Int term.Term
	// Float is the value of a Float token.
	Float float64
}

// Is reports whether t is the operator, separator or reserved word sym.
func (t Token) Is(sym string) bool {
	return (t.Kind == Punct || t.Kind == Reserved) && t.Text == sym
}

// String formats the token as erl_parse does in "syntax error before: X"
// (yecctoken2string): atoms and symbols as written atoms, numbers with
// io_lib:write, characters as $c, strings quoted, variables bare.
func (t Token) String() string {
	switch t.Kind {
	case EOF:
		return ""
	case Atom:
		return syntax.WriteAtom(term.Atom(t.Text), syntax.Unicode)
	case Var:
		return t.Text
	case Integer:
		return intText(t.Int)
	case Float:
		return syntax.FormatFloat(t.Float)
	case Char:
		return writeChar(t.Int)
	case String:
		return string(syntax.AppendString(nil, []rune(t.Text), syntax.Unicode))
	case Dot:
		return "'.'"
	case Punct, Reserved:
		return syntax.WriteAtom(term.Atom(t.Text), syntax.Unicode)
	}
	return fmt.Sprintf("%v", t.Kind)
}

func intText(v term.Term) string {
	switch x := v.(type) {
	case term.Int:
		return strconv.FormatInt(int64(x), 10)
	case term.BigInt:
		return x.V.String()
	}
	return "?"
}

// writeChar is io_lib:write_char/1: $c with the escapes io_lib uses.
func writeChar(v term.Term) string {
	c, ok := v.(term.Int)
	if !ok {
		return "$?"
	}
	switch c {
	case ' ':
		return `$\s`
	}
	s := string(syntax.AppendString(nil, []rune{rune(c)}, syntax.Unicode))
	// AppendString quotes with ": strip the quotes, unescape \".
	inner := s[1 : len(s)-1]
	if inner == `\"` {
		inner = `"`
	}
	return "$" + inner
}

// Error is a scan, parse or check error at a position, printed as the erl
// shell prints it after its "* " tag: "1:5: syntax error before: ')'".
type Error struct {
	Pos Pos
	// Module is the OTP module that reports this kind of error (erl_scan,
	// erl_parse, erl_lint).
	Module string
	// Msg is the module's format_error text.
	Msg string
}

// Error formats the error as "line:col: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// bigFromDigits parses digits (no separators) in base b.
func bigFromDigits(digits string, b int) (term.Term, bool) {
	if len(digits) <= 15 || (b <= 10 && len(digits) <= 18) {
		v, err := strconv.ParseInt(digits, b, 64)
		if err == nil {
			return term.Int(v), true
		}
	}
	n, ok := new(big.Int).SetString(digits, b)
	if !ok {
		return nil, false
	}
	return term.BigInteger(n), true
}
