package parse

import (
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// list parses '[' ... ']' and list comprehensions.
func (p *parser) list() Expr {
	open := p.expect("[")
	if p.is("]") {
		p.i++
		return &Nil{P: open.Pos}
	}
	first := p.expr()
	if p.is("||") {
		p.i++
		quals := p.lcExprs()
		p.expect("]")
		return &Comp{P: open.Pos, Elem: first, Quals: quals}
	}
	elems := []Expr{first}
	var tail Expr
	for {
		t := p.cur()
		switch {
		case t.Is(","):
			p.i++
			elems = append(elems, p.expr())
			continue
		case t.Is("|"):
			p.i++
			tail = p.expr()
			p.expect("]")
		case t.Is("]"):
			p.i++
			tail = &Nil{P: t.Pos}
		default:
			p.fail()
		}
		break
	}
	out := tail
	for k := len(elems) - 1; k >= 0; k-- {
		pos := elems[k].At()
		if k == 0 {
			pos = open.Pos
		}
		out = &Cons{P: pos, Head: elems[k], Tail: out}
	}
	return out
}

// lcExprs -> lc_expr | lc_expr ',' lc_exprs
func (p *parser) lcExprs() []Expr {
	var out []Expr
	for {
		e := p.expr()
		t := p.cur()
		switch {
		case t.Is("<-"):
			p.i++
			e = &Generator{P: t.Pos, Pat: e, X: p.expr()}
		case t.Is("<="):
			p.i++
			e = &Generator{P: t.Pos, Bin: true, Pat: e, X: p.expr()}
		}
		out = append(out, e)
		if !p.is(",") {
			return out
		}
		p.i++
	}
}

// binary parses '<<' ... '>>' and binary comprehensions.
func (p *parser) binary() Expr {
	open := p.expect("<<")
	if p.is(">>") {
		p.i++
		return &Bin{P: open.Pos}
	}
	var elems []BinElem
	for {
		el := p.binElement()
		if len(elems) == 0 && p.is("||") && el.Size == nil && el.Types == nil {
			if _, isUn := el.Value.(*UnOp); !isUn {
				p.i++
				quals := p.lcExprs()
				p.expect(">>")
				return &Comp{P: open.Pos, Bin: true, Elem: el.Value, Quals: quals}
			}
		}
		elems = append(elems, el)
		if p.is(",") {
			p.i++
			continue
		}
		p.expect(">>")
		return &Bin{P: open.Pos, Elems: elems}
	}
}

// binElement -> bit_expr opt_bit_size_expr opt_bit_type_list
func (p *parser) binElement() BinElem {
	t := p.cur()
	var v Expr
	if isPrefixOp(t) {
		p.i++
		v = &UnOp{P: t.Pos, Op: t.Text, X: p.exprMax()}
	} else {
		v = p.exprMax()
	}
	el := BinElem{P: v.At(), Value: v}
	if p.is(":") {
		p.i++
		el.Size = p.exprMax()
	}
	if p.is("/") {
		p.i++
		for {
			a := p.cur()
			if a.Kind != scan.Atom {
				p.fail()
			}
			p.i++
			bt := BinType{Name: a.Text}
			if p.is(":") {
				p.i++
				n := p.cur()
				if n.Kind != scan.Integer {
					p.fail()
				}
				p.i++
				bt.HasArg = true
				if iv, ok := n.Int.(term.Int); ok {
					bt.Arg = int64(iv)
				} else {
					bt.Arg = -1
				}
			}
			el.Types = append(el.Types, bt)
			if !p.is("-") {
				break
			}
			p.i++
		}
	}
	return el
}

func (p *parser) ifExpr() Expr {
	t := p.expect("if")
	var cs []Clause
	for {
		g := p.guard()
		body := p.clauseBody()
		cs = append(cs, Clause{P: g[0][0].At(), Guard: g, Body: body})
		if !p.is(";") {
			break
		}
		p.i++
	}
	p.expect("end")
	return &If{P: t.Pos, Clauses: cs}
}

// guard -> exprs | exprs ';' guard
func (p *parser) guard() [][]Expr {
	out := [][]Expr{p.exprs()}
	for p.is(";") {
		p.i++
		out = append(out, p.exprs())
	}
	return out
}

func (p *parser) clauseGuard() [][]Expr {
	if p.is("when") {
		p.i++
		return p.guard()
	}
	return nil
}

func (p *parser) clauseBody() []Expr {
	p.expect("->")
	return p.exprs()
}

// crClauses -> cr_clause | cr_clause ';' cr_clauses
func (p *parser) crClauses() []Clause {
	var cs []Clause
	for {
		pat := p.expr()
		g := p.clauseGuard()
		body := p.clauseBody()
		cs = append(cs, Clause{P: pat.At(), Pats: []Expr{pat}, Guard: g, Body: body})
		if !p.is(";") {
			return cs
		}
		p.i++
	}
}

func (p *parser) receive() Expr {
	t := p.expect("receive")
	r := &Receive{P: t.Pos}
	if !p.is("after") {
		r.Clauses = p.crClauses()
	}
	if p.is("after") {
		p.i++
		r.After = p.expr()
		r.AfterBody = p.clauseBody()
	}
	p.expect("end")
	return r
}

func (p *parser) fun() Expr {
	t := p.expect("fun")
	c := p.cur()
	switch {
	case c.Kind == scan.Atom && p.peekAt(1).Is("/"):
		p.i += 2
		a := p.cur()
		if a.Kind != scan.Integer {
			p.fail()
		}
		p.i++
		return &FunRef{P: t.Pos, Name: c.Text, Arity: &Lit{P: a.Pos, Kind: scan.Integer, Val: a.Int}}
	case (c.Kind == scan.Atom || c.Kind == scan.Var) && p.peekAt(1).Is(":"):
		m := p.atomOrVar()
		p.expect(":")
		f := p.atomOrVar()
		p.expect("/")
		a := p.cur()
		var ar Expr
		switch a.Kind {
		case scan.Integer:
			ar = &Lit{P: a.Pos, Kind: scan.Integer, Val: a.Int}
		case scan.Var:
			ar = &Var{P: a.Pos, Name: a.Text}
		default:
			p.fail()
		}
		p.i++
		return &FunRef{P: t.Pos, Mod: m, Fun: f, Arity: ar}
	}
	// fun_clauses; a named fun has Var before each '('.
	f := &Fun{P: t.Pos}
	first := true
	for {
		c := p.cur()
		name := ""
		if c.Kind == scan.Var && p.peekAt(1).Is("(") {
			name = c.Text
			p.i++
		}
		open := p.cur()
		args := p.argList()
		g := p.clauseGuard()
		body := p.clauseBody()
		if first {
			f.Name = name
			first = false
		} else if name != f.Name || len(args) != len(f.Clauses[0].Pats) {
			p.failAt(open.Pos, "head mismatch")
		}
		f.Clauses = append(f.Clauses, Clause{P: open.Pos, Pats: args, Guard: g, Body: body})
		if !p.is(";") {
			break
		}
		p.i++
	}
	p.expect("end")
	return f
}

func (p *parser) atomOrVar() Expr {
	t := p.cur()
	switch t.Kind {
	case scan.Atom:
		p.i++
		return &Lit{P: t.Pos, Kind: scan.Atom, Val: term.Atom(t.Text)}
	case scan.Var:
		p.i++
		return &Var{P: t.Pos, Name: t.Text}
	}
	p.fail()
	return nil
}

func (p *parser) try() Expr {
	t := p.expect("try")
	tr := &Try{P: t.Pos, Body: p.exprs()}
	if p.is("of") {
		p.i++
		tr.Clauses = p.crClauses()
	}
	switch {
	case p.is("catch"):
		p.i++
		tr.Catches = p.tryClauses()
		if p.is("after") {
			p.i++
			tr.After = p.exprs()
		}
	case p.is("after"):
		p.i++
		tr.After = p.exprs()
	default:
		p.fail()
	}
	p.expect("end")
	return tr
}

// tryClauses parses catch clauses: [Class ':'] Pattern [':' Stack].
func (p *parser) tryClauses() []Clause {
	var cs []Clause
	for {
		start := p.cur()
		var class Expr
		if (start.Kind == scan.Atom || start.Kind == scan.Var) && p.peekAt(1).Is(":") {
			class = p.atomOrVar()
			p.i++
		}
		p.noRemote = class != nil
		pat := p.expr()
		p.noRemote = false
		var stack Expr = &Var{P: start.Pos, Name: "_"}
		if class != nil && p.is(":") {
			p.i++
			s := p.cur()
			if s.Kind != scan.Var {
				p.fail()
			}
			p.i++
			stack = &Var{P: s.Pos, Name: s.Text}
		}
		if class == nil {
			class = &Lit{P: start.Pos, Kind: scan.Atom, Val: term.Atom("throw")}
		}
		g := p.clauseGuard()
		body := p.clauseBody()
		tup := &Tuple{P: start.Pos, Elems: []Expr{class, pat, stack}}
		cs = append(cs, Clause{P: start.Pos, Pats: []Expr{tup}, Guard: g, Body: body})
		if !p.is(";") {
			return cs
		}
		p.i++
	}
}
