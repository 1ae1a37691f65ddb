package eval

import (
	"strconv"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Check runs the checks erl_lint makes before the shell evaluates one
// expression (erl_eval:check_command/2): unbound and unsafe variables,
// illegal patterns and guards, map construction with :=, bit syntax
// types, records (the shell engine has no record definitions). bound
// names the variables already bound. It returns the first error, as
// the shell prints it ("1:5: variable 'X' is unbound"), or nil.
func Check(exprs []parse.Expr, bound *Bindings) error {
	c := &checker{}
	var vt vtab
	for _, b := range bound.All() {
		vt = append(vt, ventry{b.Name, vinfo{state: vBound}})
	}
	c.exprs(exprs, vt)
	if len(c.errs) > 0 {
		return c.errs[0]
	}
	return nil
}

type checker struct {
	errs []*scan.Error
	// binSizeCtx is set while checking a binary size in a pattern: an
	// illegal guard expression there is an illegal bit size.
	binSizeCtx bool
}

func (c *checker) err(pos scan.Pos, msg string) {
	if len(c.errs) < 64 {
		c.errs = append(c.errs, &scan.Error{Pos: pos, Module: "erl_lint", Msg: msg})
	}
}

func varName(name string) string { return syntax.WriteAtom(term.Atom(name), syntax.Latin1) }

func (c *checker) unbound(pos scan.Pos, name string) {
	c.err(pos, "variable "+varName(name)+" is unbound")
}

func (c *checker) unsafe(pos scan.Pos, name string, v vinfo) {
	c.err(pos, "variable "+varName(name)+" unsafe in "+syntax.WriteAtom(term.Atom(v.in), syntax.Latin1)+
		" (line "+strconv.Itoa(v.pos.Line)+", column "+strconv.Itoa(v.pos.Col)+")")
}

func (c *checker) exprs(es []parse.Expr, vt vtab) vtab {
	out := vtab(nil)
	for _, e := range es {
		evt := c.expr(e, vtupdate(out, vt))
		out = vtupdate(evt, out)
	}
	return out
}

// exprList checks expressions that see the same table (arguments,
// elements) and merges what they bind.
func (c *checker) exprList(es []parse.Expr, vt vtab) vtab {
	out := vtab(nil)
	for _, e := range es {
		out = vtmerge(c.expr(e, vt), out)
	}
	return out
}

func (c *checker) exprVar(pos scan.Pos, name string, vt vtab) vtab {
	v, ok := vt.get(name)
	switch {
	case !ok:
		c.unbound(pos, name)
	case v.state == vUnsafe:
		c.unsafe(pos, name, v)
	case v.state == vStack:
		c.err(pos, "stacktrace variable "+varName(name)+" must not be used in a guard")
	}
	return single(name, vinfo{state: vBound})
}

func (c *checker) expr(e parse.Expr, vt vtab) vtab {
	switch x := e.(type) {
	case *parse.Var:
		return c.exprVar(x.P, x.Name, vt)
	case *parse.Lit, *parse.Nil:
		return nil
	case *parse.Cons:
		return c.exprList([]parse.Expr{x.Head, x.Tail}, vt)
	case *parse.Tuple:
		return c.exprList(x.Elems, vt)
	case *parse.Map:
		if x.Base == nil {
			for _, f := range x.Fields {
				if f.Exact {
					c.err(f.P, "only association operators '=>' are allowed in map construction")
				}
			}
			return c.mapFields(x.Fields, vt, c.exprList)
		}
		svt := c.expr(x.Base, vt)
		return vtupdate(svt, c.mapFields(x.Fields, vt, c.exprList))
	case *parse.Record:
		var rvt vtab
		if x.Base != nil {
			rvt = c.expr(x.Base, vt)
		}
		c.err(x.P, "record "+syntax.WriteAtom(term.Atom(x.Name), syntax.Unicode)+" undefined")
		return rvt
	case *parse.Bin:
		return c.exprBin(x, vt, false)
	case *parse.Block:
		return c.exprs(x.Body, vt)
	case *parse.If:
		return c.icrtClauses(x.Clauses, "if", x.P, vt)
	case *parse.Case:
		evt := c.expr(x.X, vt)
		cvt := c.icrtClauses(x.Clauses, "case", x.P, vtupdate(evt, vt))
		return vtmerge(evt, cvt)
	case *parse.Receive:
		if x.After == nil {
			return c.icrtClauses(x.Clauses, "receive", x.P, vt)
		}
		tvt := c.expr(x.After, vt)
		tevt := c.exprs(x.AfterBody, vt)
		cs := c.clauseTables(x.Clauses, vt)
		rvt := icrtExport(append([]vtab{tevt}, cs...), vt, "receive", x.P)
		return vtmerge(vtmerge(tvt, tevt), rvt)
	case *parse.Fun:
		if x.Name == "" {
			return c.funClauses(x.Clauses, vt)
		}
		nvt := vtupdate(single(x.Name, vinfo{state: vBound}), vtnew(vt, single(x.Name, vinfo{})))
		return vtold(c.funClauses(x.Clauses, nvt), vt)
	case *parse.FunRef:
		if x.Mod == nil {
			if x.Name == "record_info" {
				c.err(x.P, "illegal record info")
			}
			return nil
		}
		return c.exprList([]parse.Expr{x.Mod, x.Fun, x.Arity}, vt)
	case *parse.Call:
		return c.call(x, vt)
	case *parse.Try:
		return c.try(x, vt)
	case *parse.CatchExpr:
		evt := c.expr(x.X, vt)
		return vtupdate(vtunsafe("catch", x.P, evt, vt), evt)
	case *parse.Match:
		evt := c.expr(x.X, vt)
		pvt, pnew := c.pattern(x.Pat, vtupdate(evt, vt), vtupdate(evt, vt))
		return vtupdate(pnew, vtmerge(evt, pvt))
	case *parse.UnOp:
		return c.expr(x.X, vt)
	case *parse.BinOp:
		if x.Op == "andalso" || x.Op == "orelse" {
			evt1 := c.expr(x.L, vt)
			vt1 := vtupdate(evt1, vt)
			evt2 := c.expr(x.R, vt1)
			evt3 := vtupdate(vtunsafe(x.Op, x.P, evt2, vt1), evt2)
			return vtmerge(evt1, evt3)
		}
		return c.exprList([]parse.Expr{x.L, x.R}, vt)
	case *parse.Comp:
		return c.comprehension(x, vt)
	case *parse.Remote:
		c.err(x.Mod.At(), "illegal expression")
		return nil
	case *parse.Generator:
		c.err(x.P, "illegal expression")
		return nil
	}
	return nil
}

func (c *checker) mapFields(fs []parse.MapField, vt vtab, f func([]parse.Expr, vtab) vtab) vtab {
	out := vtab(nil)
	for _, fl := range fs {
		out = vtupdate(f([]parse.Expr{fl.Key, fl.Value}, vt), out)
	}
	return out
}

func (c *checker) call(x *parse.Call, vt vtab) vtab {
	if isShellF(x) {
		return nil
	}
	switch f := x.Fun.(type) {
	case *parse.Remote:
		_, ok1 := f.Mod.(*parse.Lit)
		_, ok2 := f.Fun.(*parse.Lit)
		if ok1 && ok2 {
			return c.exprList(x.Args, vt)
		}
		return c.exprList(append([]parse.Expr{f.Mod, f.Fun}, x.Args...), vt)
	case *parse.Lit:
		if _, ok := f.Val.(term.Atom); ok {
			return c.exprList(x.Args, vt)
		}
	}
	return c.exprList(append([]parse.Expr{x.Fun}, x.Args...), vt)
}

// clauseTables checks case/receive/try clauses and returns the table of
// each.
func (c *checker) clauseTables(cs []parse.Clause, vt vtab) []vtab {
	out := make([]vtab, 0, len(cs))
	for i := range cs {
		out = append(out, c.icrtClause(&cs[i], vt))
	}
	return out
}

func (c *checker) icrtClauses(cs []parse.Clause, in string, pos scan.Pos, vt vtab) vtab {
	return icrtExport(c.clauseTables(cs, vt), vt, in, pos)
}

func (c *checker) head(pats []parse.Expr, vt, old vtab) (vtab, vtab) {
	pvt, pnew := vtab(nil), vtab(nil)
	for _, p := range pats {
		v, n := c.pattern(p, vt, old)
		pvt = vtmerge(v, pvt)
		pnew = vtmerge(pnew, n)
	}
	return pvt, pnew
}

func (c *checker) icrtClause(cl *parse.Clause, vt0 vtab) vtab {
	hvt, hnew := c.head(cl.Pats, vt0, vt0)
	vt1 := vtupdate(hvt, hnew)
	gvt := c.guard(cl.Guard, vtupdate(vt1, vt0))
	vt2 := vtupdate(gvt, vt1)
	bvt := c.exprs(cl.Body, vtupdate(vt2, vt0))
	return vtupdate(bvt, vt2)
}

func (c *checker) funClauses(cs []parse.Clause, vt vtab) vtab {
	bvt := vtab(nil)
	for i := range cs {
		bvt = vtmerge(c.funClause(&cs[i], vt), bvt)
	}
	return vtNoUnsafe(vtold(bvt, vt))
}

func (c *checker) funClause(cl *parse.Clause, vt0 vtab) vtab {
	hvt, hnew := c.head(cl.Pats, vt0, vtab(nil))
	vt1 := vtupdate(hvt, vt0)
	vt2 := vtupdate(vtnew(vt1, hnew), hnew)
	gvt := c.guard(cl.Guard, vt2)
	vt3 := vtupdate(gvt, vt2)
	bvt := c.exprs(cl.Body, vt3)
	cvt := vtupdate(bvt, vt3)
	svt := vtold(vt1, hnew)
	vt4 := vtmerge(svt, vtnew(cvt, svt))
	return vtold(vt4, vt0)
}

func (c *checker) try(x *parse.Try, vt vtab) vtab {
	evt0 := c.exprs(x.Body, vt)
	uvt := vtunsafe("try", x.P, evt0, vt)
	vtIn := vtupdate(evt0, vt)
	tables := c.clauseTables(x.Clauses, vtIn)
	cvt := vtupdate(uvt, vtIn)
	for i := range x.Catches {
		tables = append(tables, c.catchClause(&x.Catches[i], cvt))
	}
	sccs := icrtExport(tables, vtIn, "try", x.P)
	evt1 := vtupdate(uvt, evt0)
	rvt1 := vtupdate(vtunsafe("try", x.P, sccs, vt), sccs)
	evt2 := vtmerge(evt1, rvt1)
	avt0 := c.exprs(x.After, vtupdate(evt2, vt))
	avt1 := vtupdate(vtunsafe("try", x.P, avt0, vt), avt0)
	return vtmerge(evt2, avt1)
}

func (c *checker) catchClause(cl *parse.Clause, vt0 vtab) vtab {
	hvt, hnew := c.head(cl.Pats, vt0, vt0)
	vt1 := vtupdate(hvt, hnew)
	guardVt := vtupdate(vt1, vt0)
	if tup, ok := cl.Pats[0].(*parse.Tuple); ok && len(tup.Elems) == 3 {
		if sv, ok := tup.Elems[2].(*parse.Var); ok && sv.Name != "_" {
			if vt0.has(sv.Name) {
				c.err(sv.P, "stacktrace variable "+varName(sv.Name)+" must not be previously bound")
			}
			guardVt = vtupdate(single(sv.Name, vinfo{state: vStack}), guardVt)
		}
	}
	gvt := c.guard(cl.Guard, guardVt)
	vt2 := vtupdate(gvt, vt1)
	bvt := c.exprs(cl.Body, vtupdate(vt2, vt0))
	return vtupdate(bvt, vt2)
}

func (c *checker) comprehension(x *parse.Comp, vt0 vtab) vtab {
	vt := vt0
	uvt := vtab(nil)
	for _, q := range x.Quals {
		switch g := q.(type) {
		case *parse.Generator:
			if g.Bin {
				c.binGenPattern(g.Pat)
			}
			evt := c.expr(g.X, vt)
			vt1 := vtupdate(vtold(evt, vt), vt)
			pvt, pnew := c.pattern(g.Pat, vt1, vtab(nil))
			vt2 := vtupdate(pvt, vt1)
			svt := vtold(vt2, pnew)
			uvt = vtupdate(vtnew(svt, uvt), uvt)
			vt = vtupdate(vtnew(vt2, pnew), pnew)
		default:
			var fvt vtab
			if IsGuardTest(q) {
				fvt = c.guardTest(q, vt)
			} else {
				fvt = c.expr(q, vt)
			}
			vt = vtupdate(fvt, vt)
		}
	}
	evt := c.expr(x.Elem, vt)
	vt2 := vtupdate(evt, vt)
	vt3 := vtmerge(vtnew(vt2, uvt), uvt)
	return vtNoUnsafe(vtold(vt3, vt0))
}

func (c *checker) binGenPattern(p parse.Expr) {
	b, ok := p.(*parse.Bin)
	if !ok || len(b.Elems) == 0 {
		return
	}
	last := b.Elems[len(b.Elems)-1]
	if last.Size != nil || last.Types == nil {
		return
	}
	for _, t := range last.Types {
		switch t.Name {
		case "binary", "bytes", "bits", "bitstring":
			c.err(last.P, "binary fields without size are not allowed in patterns of bit string generators")
			return
		}
	}
}
