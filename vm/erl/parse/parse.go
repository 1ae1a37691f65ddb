package parse

import (
	"errors"
	"strings"

	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// MaxDepth bounds the nesting of expressions the parser accepts; deeper
// input is rejected with an error rather than exhausting the stack.
const MaxDepth = 1000

// MaxTokens bounds the number of tokens of one command.
const MaxTokens = 1 << 20

type parser struct {
	toks  []scan.Token
	i     int
	depth int
	// noRemote stops expr_650 from taking "A:B" (the pattern of a catch
	// clause, where ':' introduces the stack trace variable).
	noRemote bool
}

// errStop unwinds the parser on the first error; the error itself is
// kept in parser.err.
type syntaxError struct{ e *scan.Error }

// Exprs parses an expression sequence terminated by a dot, like
// erl_parse:parse_exprs/1: tokens must end with a Dot token (a missing
// dot is reported as a syntax error at the end). Tokens after the dot are
// an error.
func Exprs(toks []scan.Token) (exprs []Expr, err error) {
	if len(toks) > MaxTokens {
		return nil, &scan.Error{Pos: toks[0].Pos, Module: "erl_parse", Msg: "expression too large"}
	}
	p := &parser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			exprs, err = nil, se.e
		}
	}()
	exprs = p.exprs()
	t := p.cur()
	if t.Kind != scan.Dot {
		p.fail()
	}
	p.i++
	if p.i < len(p.toks) {
		p.fail()
	}
	return exprs, nil
}

// String scans and parses src, which must end with a dot (one is added
// when it is missing).
func String(src string) ([]Expr, error) {
	toks, err := scan.Tokens(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 || toks[len(toks)-1].Kind != scan.Dot {
		end := scan.Pos{Line: 1, Col: 1}
		if len(toks) > 0 {
			end = toks[len(toks)-1].Pos
		}
		toks = append(toks, scan.Token{Kind: scan.Dot, Pos: end, Text: "."})
	}
	return Exprs(toks)
}

// IsSyntaxError reports whether err is a scan or parse error.
func IsSyntaxError(err error) bool {
	var e *scan.Error
	return errors.As(err, &e)
}

func (p *parser) cur() scan.Token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	pos := scan.Pos{Line: 1, Col: 1}
	if len(p.toks) > 0 {
		pos = p.toks[len(p.toks)-1].Pos
	}
	return scan.Token{Kind: scan.EOF, Pos: pos}
}

func (p *parser) peekAt(k int) scan.Token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return scan.Token{Kind: scan.EOF}
}

func (p *parser) is(sym string) bool { return p.cur().Is(sym) }

// fail reports "syntax error before: T" at the current token.
func (p *parser) fail() {
	t := p.cur()
	panic(syntaxError{&scan.Error{Pos: t.Pos, Module: "erl_parse", Msg: "syntax error before: " + t.String()}})
}

func (p *parser) failAt(pos Pos, msg string) {
	panic(syntaxError{&scan.Error{Pos: pos, Module: "erl_parse", Msg: msg}})
}

func (p *parser) expect(sym string) scan.Token {
	t := p.cur()
	if !t.Is(sym) {
		p.fail()
	}
	p.i++
	return t
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.failAt(p.cur().Pos, "expression nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

// exprs -> expr | expr ',' exprs
func (p *parser) exprs() []Expr {
	out := []Expr{p.expr()}
	for p.is(",") {
		p.i++
		out = append(out, p.expr())
	}
	return out
}

// expr -> 'catch' expr | expr_100. In OTP 25's grammar catch is a
// prefix operator of the lowest precedence: it may start any operand
// (1 + catch 1, X = catch f()) and takes everything to its right.
func (p *parser) expr() Expr {
	p.enter()
	defer p.leave()
	return p.expr100()
}

// expr_100 -> expr_150 ('=' | '!') expr_100 | expr_150
func (p *parser) expr100() Expr {
	l := p.expr150()
	t := p.cur()
	switch {
	case t.Is("="):
		p.i++
		p.enter()
		r := p.expr100()
		p.leave()
		return &Match{P: t.Pos, Pat: l, X: r}
	case t.Is("!"):
		p.i++
		p.enter()
		r := p.expr100()
		p.leave()
		return &BinOp{P: t.Pos, Op: "!", L: l, R: r}
	}
	return l
}

// expr_150 -> expr_160 'orelse' expr_150 (right)
func (p *parser) expr150() Expr {
	l := p.expr160()
	if t := p.cur(); t.Is("orelse") {
		p.i++
		p.enter()
		r := p.expr150()
		p.leave()
		return &BinOp{P: t.Pos, Op: "orelse", L: l, R: r}
	}
	return l
}

// expr_160 -> expr_200 'andalso' expr_160 (right)
func (p *parser) expr160() Expr {
	l := p.expr200()
	if t := p.cur(); t.Is("andalso") {
		p.i++
		p.enter()
		r := p.expr160()
		p.leave()
		return &BinOp{P: t.Pos, Op: "andalso", L: l, R: r}
	}
	return l
}

func isCompOp(op string) bool {
	switch op {
	case "==", "/=", "=<", "<", ">=", ">", "=:=", "=/=":
		return true
	}
	return false
}

// expr_200 -> expr_300 comp_op expr_300 (non-associative)
func (p *parser) expr200() Expr {
	l := p.expr300()
	if t := p.cur(); t.Kind == scan.Punct && isCompOp(t.Text) {
		p.i++
		r := p.expr300()
		return &BinOp{P: t.Pos, Op: t.Text, L: l, R: r}
	}
	return l
}

// expr_300 -> expr_400 list_op expr_300 (right)
func (p *parser) expr300() Expr {
	l := p.expr400()
	if t := p.cur(); t.Is("++") || t.Is("--") {
		p.i++
		p.enter()
		r := p.expr300()
		p.leave()
		return &BinOp{P: t.Pos, Op: t.Text, L: l, R: r}
	}
	return l
}

func isAddOp(t scan.Token) bool {
	switch {
	case t.Kind == scan.Punct && (t.Text == "+" || t.Text == "-"):
		return true
	case t.Kind == scan.Reserved:
		switch t.Text {
		case "bor", "bxor", "bsl", "bsr", "or", "xor":
			return true
		}
	}
	return false
}

func isMulOp(t scan.Token) bool {
	switch {
	case t.Kind == scan.Punct && (t.Text == "*" || t.Text == "/"):
		return true
	case t.Kind == scan.Reserved:
		switch t.Text {
		case "div", "rem", "band", "and":
			return true
		}
	}
	return false
}

// expr_400 -> expr_400 add_op expr_500 (left)
func (p *parser) expr400() Expr {
	l := p.expr500()
	for isAddOp(p.cur()) {
		t := p.cur()
		p.i++
		r := p.expr500()
		l = &BinOp{P: t.Pos, Op: t.Text, L: l, R: r}
	}
	return l
}

// expr_500 -> expr_500 mult_op expr_600 (left)
func (p *parser) expr500() Expr {
	l := p.expr600()
	for isMulOp(p.cur()) {
		t := p.cur()
		p.i++
		r := p.expr600()
		l = &BinOp{P: t.Pos, Op: t.Text, L: l, R: r}
	}
	return l
}

func isPrefixOp(t scan.Token) bool {
	return t.Is("+") || t.Is("-") || t.Is("bnot") || t.Is("not")
}

// expr_600 -> prefix_op expr_600 | 'catch' expr | expr_650
func (p *parser) expr600() Expr {
	if t := p.cur(); t.Is("catch") {
		p.i++
		return &CatchExpr{P: t.Pos, X: p.expr()}
	}
	if t := p.cur(); isPrefixOp(t) {
		p.i++
		p.enter()
		x := p.expr600()
		p.leave()
		return &UnOp{P: t.Pos, Op: t.Text, X: x}
	}
	return p.expr650()
}

// expr_650 -> map_expr | record_expr | expr_700 (with the update chains
// that start from an expr_max).
func (p *parser) expr650() Expr {
	var e Expr
	chain := false
	if p.is("#") {
		e = p.hashSuffix(nil)
		chain = true
	} else {
		e = p.exprMax()
		switch {
		case p.is(":") && !p.noRemote:
			colon := p.cur()
			p.i++
			f := p.exprMax()
			e = &Remote{P: e.At(), Mod: e, Fun: f, ColonP: colon.Pos}
			if p.is("(") {
				e = &Call{P: e.At(), Fun: e, Args: p.argList()}
			}
			return e
		case p.is("("):
			return &Call{P: e.At(), Fun: e, Args: p.argList()}
		case p.is("#"):
			chain = true
		}
	}
	for chain && p.is("#") {
		e = p.hashSuffix(e)
	}
	return e
}

// argList -> '(' ')' | '(' exprs ')'
func (p *parser) argList() []Expr {
	p.expect("(")
	if p.is(")") {
		p.i++
		return nil
	}
	args := p.exprs()
	p.expect(")")
	return args
}

// hashSuffix parses '#' map_tuple or a record expression after base
// (nil for none).
func (p *parser) hashSuffix(base Expr) Expr {
	hash := p.expect("#")
	p.enter()
	defer p.leave()
	if p.is("{") {
		fields := p.mapTuple()
		return &Map{P: hash.Pos, Base: base, Fields: fields}
	}
	t := p.cur()
	if t.Kind != scan.Atom {
		p.fail()
	}
	p.i++
	rec := &Record{P: hash.Pos, Name: t.Text, Base: base}
	if p.is(".") {
		p.i++
		if p.cur().Kind != scan.Atom {
			p.fail()
		}
		p.i++
		return rec
	}
	if !p.is("{") {
		p.fail()
	}
	p.i++
	if p.is("}") {
		p.i++
		return rec
	}
	for {
		f := p.cur()
		if f.Kind != scan.Atom && f.Kind != scan.Var {
			p.fail()
		}
		p.i++
		p.expect("=")
		p.expr()
		if p.is(",") {
			p.i++
			continue
		}
		p.expect("}")
		return rec
	}
}

// mapTuple -> '{' '}' | '{' map_fields '}'
func (p *parser) mapTuple() []MapField {
	p.expect("{")
	if p.is("}") {
		p.i++
		return nil
	}
	var out []MapField
	for {
		k := p.expr()
		t := p.cur()
		var exact bool
		switch {
		case t.Is("=>"):
		case t.Is(":="):
			exact = true
		default:
			p.fail()
		}
		p.i++
		v := p.expr()
		out = append(out, MapField{P: t.Pos, Exact: exact, Key: k, Value: v})
		if p.is(",") {
			p.i++
			continue
		}
		p.expect("}")
		return out
	}
}

// exprMax parses expr_max.
func (p *parser) exprMax() Expr {
	p.enter()
	defer p.leave()
	t := p.cur()
	switch t.Kind {
	case scan.Var:
		p.i++
		return &Var{P: t.Pos, Name: t.Text}
	case scan.Atom:
		p.i++
		return &Lit{P: t.Pos, Kind: scan.Atom, Val: term.Atom(t.Text)}
	case scan.Integer, scan.Char:
		p.i++
		return &Lit{P: t.Pos, Kind: t.Kind, Val: t.Int}
	case scan.Float:
		p.i++
		return &Lit{P: t.Pos, Kind: scan.Float, Val: term.Float(t.Float)}
	case scan.String:
		p.i++
		s := t.Text
		if p.cur().Kind == scan.String {
			var b strings.Builder
			b.WriteString(s)
			for p.cur().Kind == scan.String {
				b.WriteString(p.cur().Text)
				p.i++
			}
			s = b.String()
		}
		lit := &Lit{P: t.Pos, Kind: scan.String, Text: s}
		if len(s) <= MaxInlineString {
			lit.Val = term.String(s)
		}
		return lit
	case scan.Punct:
		switch t.Text {
		case "[":
			return p.list()
		case "{":
			p.i++
			if p.is("}") {
				p.i++
				return &Tuple{P: t.Pos}
			}
			es := p.exprs()
			p.expect("}")
			return &Tuple{P: t.Pos, Elems: es}
		case "<<":
			return p.binary()
		case "(":
			p.i++
			e := p.expr()
			p.expect(")")
			return e
		}
	case scan.Reserved:
		switch t.Text {
		case "begin":
			p.i++
			body := p.exprs()
			p.expect("end")
			return &Block{P: t.Pos, Body: body}
		case "if":
			return p.ifExpr()
		case "case":
			p.i++
			x := p.expr()
			p.expect("of")
			cs := p.crClauses()
			p.expect("end")
			return &Case{P: t.Pos, X: x, Clauses: cs}
		case "receive":
			return p.receive()
		case "fun":
			return p.fun()
		case "try":
			return p.try()
		}
	}
	p.fail()
	return nil
}
