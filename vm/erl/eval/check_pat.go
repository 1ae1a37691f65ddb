package eval

import (
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// pattern checks pattern p. vt holds the variables visible to
// expressions inside the pattern (map keys, binary sizes); old holds the
// variables a pattern variable refers to instead of binding (empty for
// fun heads and generators, whose variables are fresh). It returns the
// old variables used and the new ones bound.
func (c *checker) pattern(p parse.Expr, vt, old vtab) (vtab, vtab) {
	switch x := p.(type) {
	case *parse.Var:
		if x.Name == "_" {
			return nil, nil
		}
		return c.patVar(x.P, x.Name, old)
	case *parse.Lit, *parse.Nil:
		return nil, nil
	case *parse.Cons:
		hvt, hnew := c.pattern(x.Head, vt, old)
		tvt, tnew := c.pattern(x.Tail, vt, old)
		return vtmerge(hvt, tvt), vtmerge(hnew, tnew)
	case *parse.Tuple:
		return c.head(x.Elems, vt, old)
	case *parse.Map:
		if x.Base != nil {
			break
		}
		pvt, pnew := vtab(nil), vtab(nil)
		for _, f := range x.Fields {
			if !f.Exact {
				c.err(f.P, "illegal pattern")
				continue
			}
			kvt := c.gexpr(f.Key, vt)
			vvt, vnew := c.pattern(f.Value, vt, old)
			pvt = vtmerge(vtmerge(kvt, vvt), pvt)
			pnew = vtmerge(pnew, vnew)
		}
		return pvt, pnew
	case *parse.Record:
		c.err(x.P, "record "+syntax.WriteAtom(term.Atom(x.Name), syntax.Unicode)+" undefined")
		return nil, nil
	case *parse.Bin:
		return c.patternBin(x, vt, old)
	case *parse.BinOp:
		if x.Op == "++" {
			if _, ok := constList(x.L); ok {
				return c.pattern(x.R, vt, old)
			}
		}
	case *parse.Match:
		lvt, lnew := c.pattern(x.Pat, vt, old)
		rvt, rnew := c.pattern(x.X, vt, old)
		if isBinPat(x.Pat) && isBinPat(x.X) {
			c.err(x.Pat.At(), "binary patterns cannot be matched in parallel using '='")
		}
		return vtmerge(lvt, rvt), vtmerge(lnew, rnew)
	case *parse.Call:
		// The shell rewrites f(Var) to ok before checking (shell's
		// prep_check); a call in a pattern fails only when evaluated.
		if isShellF(x) {
			return nil, nil
		}
	}
	if _, ok := constPattern(p); ok {
		return nil, nil
	}
	c.err(patPos(p), "illegal pattern")
	return nil, nil
}

func isBinPat(p parse.Expr) bool { _, ok := p.(*parse.Bin); return ok }

// isShellF reports whether x is the shell command f(Var).
func isShellF(x *parse.Call) bool {
	f, ok := x.Fun.(*parse.Lit)
	if !ok || f.Val != term.Atom("f") || len(x.Args) != 1 {
		return false
	}
	_, ok = x.Args[0].(*parse.Var)
	return ok
}

// patPos is the position erl_lint reports for an illegal pattern: the
// node's own annotation (a call's is the called expression's).
func patPos(p parse.Expr) scan.Pos { return p.At() }

func (c *checker) patVar(pos scan.Pos, name string, old vtab) (vtab, vtab) {
	v, ok := old.get(name)
	if !ok {
		return nil, single(name, vinfo{state: vBound})
	}
	if v.state == vUnsafe {
		c.unsafe(pos, name, v)
	}
	return single(name, vinfo{state: vBound}), nil
}

func (c *checker) patternBin(x *parse.Bin, vt, old vtab) (vtab, vtab) {
	esvt, esnew := vtab(nil), vtab(nil)
	prevAll := false
	var prevPos scan.Pos
	for _, el := range x.Elems {
		if lit, ok := el.Value.(*parse.Lit); ok && lit.Kind == scan.String && !goodStringSegment(el) {
			c.err(el.P, "a literal string in a binary pattern must not have a type or a size")
			continue
		}
		// The value.
		switch v := el.Value.(type) {
		case *parse.Var:
			if v.Name != "_" {
				if esnew.has(v.Name) {
					esnew = vtmerge(esnew, single(v.Name, vinfo{state: vBound}))
				} else {
					pvt, pnew := c.patVar(v.P, v.Name, old)
					esvt, esnew = vtmerge(pvt, esvt), vtmerge(esnew, pnew)
				}
			}
		case *parse.Lit:
		case *parse.Bin:
			c.err(v.P, "illegal pattern")
		default:
			if _, ok := constPattern(v); !ok {
				c.err(v.At(), "illegal pattern")
			}
		}
		// The size.
		size := -3 // unknown
		if el.Size != nil {
			switch s := el.Size.(type) {
			case *parse.Var:
				if !esnew.has(s.Name) {
					if w, ok := vt.get(s.Name); !ok {
						c.unbound(s.P, s.Name)
					} else if w.state == vUnsafe {
						c.unsafe(s.P, s.Name, w)
					}
				}
			default:
				if n, ok := constPattern(el.Size); ok {
					if iv, ok := n.(term.Int); ok {
						size = int(iv)
					}
				} else {
					c.binSizeCtx = true
					c.gexprBin(el.Size, vtupdate(esnew, vt))
					c.binSizeCtx = false
				}
			}
		}
		bt, err := resolveBitType(el.Types, el.Size != nil)
		if err != nil {
			c.err(el.P, err.Error())
			bt = bitType{typ: "integer", unit: 1, endian: "big", size: 8}
		}
		if el.Size == nil {
			size = bt.size
		}
		if a, ok := el.Size.(*parse.Lit); ok && a.Val == term.Atom("all") {
			size = sizeAll
		}
		if size == sizeAll && bt.typ != "binary" {
			c.err(el.P, "illegal bit size")
		}
		if prevAll {
			c.err(prevPos, "a binary field without size is only allowed at the end of a binary pattern")
		}
		prevAll = size == sizeAll && bt.typ == "binary"
		if lit, ok := el.Value.(*parse.Lit); ok && lit.Kind == scan.String && size == sizeAll {
			prevAll = false
		}
		prevPos = el.P
	}
	return esvt, esnew
}

func goodStringSegment(el parse.BinElem) bool {
	if el.Size != nil {
		return false
	}
	if el.Types == nil {
		return true
	}
	for _, t := range el.Types {
		switch t.Name {
		case "utf8", "utf16", "utf32":
			return true
		}
	}
	return false
}

// exprBin checks a binary construction (guard selects guard rules).
func (c *checker) exprBin(x *parse.Bin, vt vtab, guard bool) vtab {
	out := vtab(nil)
	check := c.expr
	if guard {
		check = c.gexpr
	}
	for _, el := range x.Elems {
		out = vtmerge(check(el.Value, vt), out)
		isAll := false
		if el.Size != nil {
			if a, ok := el.Size.(*parse.Lit); ok && a.Val == term.Atom("all") {
				isAll = true
			} else if _, ok := constPattern(el.Size); !ok {
				out = vtmerge(check(el.Size, vt), out)
			}
		}
		bt, err := resolveBitType(el.Types, el.Size != nil)
		if err != nil {
			c.err(el.P, err.Error())
			continue
		}
		if isAll && bt.typ != "binary" {
			c.err(el.P, "illegal bit size")
		}
	}
	return out
}

// gexprBin checks a pattern's binary size expression as a guard
// expression.
func (c *checker) gexprBin(e parse.Expr, vt vtab) { c.gexpr(e, vt) }

// guard checks a guard sequence.
func (c *checker) guard(g [][]parse.Expr, vt vtab) vtab {
	out := vtab(nil)
	for _, conj := range g {
		cvt := vtab(nil)
		for _, t := range conj {
			gvt := c.guardTest(t, vtupdate(cvt, vt))
			cvt = vtupdate(gvt, cvt)
		}
		out = vtupdate(cvt, out)
		vt = vtupdate(cvt, vt)
	}
	return out
}

func (c *checker) guardTest(t parse.Expr, vt vtab) vtab {
	if call, ok := t.(*parse.Call); ok {
		if f, ok := call.Fun.(*parse.Lit); ok {
			if name, ok := f.Val.(term.Atom); ok && evalTables().typeTests[bifKey{name, len(call.Args)}] && !(name == "is_record" && len(call.Args) == 2) {
				return c.gexprList(call.Args, vt)
			}
		}
	}
	return c.gexpr(t, vt)
}

func (c *checker) gexprList(es []parse.Expr, vt vtab) vtab {
	out := vtab(nil)
	for _, e := range es {
		out = vtmerge(c.gexpr(e, vt), out)
	}
	return out
}

func (c *checker) illegalGuard(pos scan.Pos) {
	if c.binSizeCtx {
		c.err(pos, "illegal bit size")
		return
	}
	c.err(pos, "illegal guard expression")
}

func (c *checker) gexpr(e parse.Expr, vt vtab) vtab {
	switch x := e.(type) {
	case *parse.Var:
		return c.exprVar(x.P, x.Name, vt)
	case *parse.Lit, *parse.Nil:
		return nil
	case *parse.Cons:
		return c.gexprList([]parse.Expr{x.Head, x.Tail}, vt)
	case *parse.Tuple:
		return c.gexprList(x.Elems, vt)
	case *parse.Map:
		var svt vtab
		if x.Base != nil {
			svt = c.gexpr(x.Base, vt)
		} else {
			for _, f := range x.Fields {
				if f.Exact {
					c.err(f.P, "only association operators '=>' are allowed in map construction")
				}
			}
		}
		return vtmerge(svt, c.mapFields(x.Fields, vt, c.gexprList))
	case *parse.Record:
		c.err(x.P, "record "+syntax.WriteAtom(term.Atom(x.Name), syntax.Unicode)+" undefined")
		return nil
	case *parse.Bin:
		return c.exprBin(x, vt, true)
	case *parse.Call:
		avt := c.gexprList(x.Args, vt)
		switch f := x.Fun.(type) {
		case *parse.Lit:
			if name, ok := f.Val.(term.Atom); ok {
				if evalTables().guard[bifKey{name, len(x.Args)}] {
					return avt
				}
				if name == "is_record" && len(x.Args) == 2 {
					if _, ok := x.Args[1].(*parse.Lit); ok {
						return avt
					}
				}
			}
		case *parse.Remote:
			m, ok1 := f.Mod.(*parse.Lit)
			fn, ok2 := f.Fun.(*parse.Lit)
			if ok1 && ok2 && m.Val == term.Atom("erlang") {
				name, _ := fn.Val.(term.Atom)
				if evalTables().guard[bifKey{name, len(x.Args)}] || isGexprOp(string(name), len(x.Args)) {
					return avt
				}
			}
		}
		c.illegalGuard(x.P)
		return avt
	case *parse.UnOp:
		avt := c.gexpr(x.X, vt)
		if !isGexprOp(x.Op, 1) {
			c.illegalGuard(x.P)
		}
		return avt
	case *parse.BinOp:
		avt := c.gexprList([]parse.Expr{x.L, x.R}, vt)
		if x.Op != "andalso" && x.Op != "orelse" && !isGexprOp(x.Op, 2) {
			c.illegalGuard(x.P)
		}
		return avt
	}
	c.illegalGuard(e.At())
	return nil
}

// isGexprOp: arithmetic, boolean and comparison operators.
func isGexprOp(op string, arity int) bool {
	switch op {
	case "+", "-":
		return arity == 1 || arity == 2
	case "bnot", "not":
		return arity == 1
	case "*", "/", "div", "rem", "band", "bor", "bxor", "bsl", "bsr", "and", "or", "xor",
		"==", "/=", "=<", "<", ">=", ">", "=:=", "=/=":
		return arity == 2
	}
	return false
}

// IsGuardTest reports whether e is a valid guard test (erl_lint's
// is_guard_test/1): comprehension filters that are guard tests are
// evaluated as guards (an exception means false).
func IsGuardTest(e parse.Expr) bool {
	if call, ok := e.(*parse.Call); ok {
		if f, ok := call.Fun.(*parse.Lit); ok {
			if name, ok := f.Val.(term.Atom); ok && evalTables().typeTests[bifKey{name, len(call.Args)}] {
				return isGExprList(call.Args)
			}
		}
	}
	return isGExpr(e)
}

func isGExprList(es []parse.Expr) bool {
	for _, e := range es {
		if !isGExpr(e) {
			return false
		}
	}
	return true
}

func isGExpr(e parse.Expr) bool {
	switch x := e.(type) {
	case *parse.Var, *parse.Lit, *parse.Nil:
		return true
	case *parse.Cons:
		return isGExpr(x.Head) && isGExpr(x.Tail)
	case *parse.Tuple:
		return isGExprList(x.Elems)
	case *parse.Map:
		if x.Base != nil && !isGExpr(x.Base) {
			return false
		}
		for _, f := range x.Fields {
			if !isGExpr(f.Key) || !isGExpr(f.Value) {
				return false
			}
		}
		return true
	case *parse.Bin:
		for _, el := range x.Elems {
			if !isGExpr(el.Value) || (el.Size != nil && !isGExpr(el.Size)) {
				return false
			}
		}
		return true
	case *parse.Call:
		switch f := x.Fun.(type) {
		case *parse.Lit:
			name, ok := f.Val.(term.Atom)
			return ok && evalTables().guard[bifKey{name, len(x.Args)}] && isGExprList(x.Args)
		case *parse.Remote:
			m, ok1 := f.Mod.(*parse.Lit)
			fn, ok2 := f.Fun.(*parse.Lit)
			if !ok1 || !ok2 || m.Val != term.Atom("erlang") {
				return false
			}
			name, _ := fn.Val.(term.Atom)
			return (evalTables().guard[bifKey{name, len(x.Args)}] || isGexprOp(string(name), len(x.Args))) && isGExprList(x.Args)
		}
		return false
	case *parse.UnOp:
		return isGexprOp(x.Op, 1) && isGExpr(x.X)
	case *parse.BinOp:
		if x.Op != "andalso" && x.Op != "orelse" && !isGexprOp(x.Op, 2) {
			return false
		}
		return isGExpr(x.L) && isGExpr(x.R)
	}
	return false
}
