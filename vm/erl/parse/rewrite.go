package parse

// Rewrite returns e with every sub-expression (patterns, guards, clause
// bodies, comprehension qualifiers, map fields, binary segments,
// receive/try sections: every form of this package) replaced by what f
// returns for it. f sees each node before its children: when it returns
// replace=true, its result stands for the node and the node's children
// are not visited; otherwise the node is copied with its children
// rewritten. Nodes f does not replace are copied, so the input tree is
// never modified. nil stays nil.
func Rewrite(e Expr, f func(Expr) (out Expr, replace bool)) Expr {
	if e == nil {
		return nil
	}
	if out, ok := f(e); ok {
		return out
	}
	r := func(x Expr) Expr { return Rewrite(x, f) }
	switch x := e.(type) {
	case *Var, *Lit, *Nil:
		return e
	case *Cons:
		return &Cons{P: x.P, Head: r(x.Head), Tail: r(x.Tail)}
	case *Tuple:
		return &Tuple{P: x.P, Elems: RewriteList(x.Elems, f)}
	case *Map:
		fs := make([]MapField, len(x.Fields))
		for i, fl := range x.Fields {
			fs[i] = MapField{P: fl.P, Exact: fl.Exact, Key: r(fl.Key), Value: r(fl.Value)}
		}
		return &Map{P: x.P, Base: r(x.Base), Fields: fs}
	case *Bin:
		es := make([]BinElem, len(x.Elems))
		for i, be := range x.Elems {
			es[i] = BinElem{P: be.P, Value: r(be.Value), Size: r(be.Size), Types: be.Types}
		}
		return &Bin{P: x.P, Elems: es}
	case *BinOp:
		return &BinOp{P: x.P, Op: x.Op, L: r(x.L), R: r(x.R)}
	case *UnOp:
		return &UnOp{P: x.P, Op: x.Op, X: r(x.X)}
	case *Match:
		return &Match{P: x.P, Pat: r(x.Pat), X: r(x.X)}
	case *Remote:
		return &Remote{P: x.P, Mod: r(x.Mod), Fun: r(x.Fun), ColonP: x.ColonP}
	case *Call:
		return &Call{P: x.P, Fun: r(x.Fun), Args: RewriteList(x.Args, f)}
	case *Fun:
		return &Fun{P: x.P, Name: x.Name, Clauses: rewriteClauses(x.Clauses, f)}
	case *FunRef:
		return &FunRef{P: x.P, Name: x.Name, Mod: r(x.Mod), Fun: r(x.Fun), Arity: r(x.Arity)}
	case *Case:
		return &Case{P: x.P, X: r(x.X), Clauses: rewriteClauses(x.Clauses, f)}
	case *If:
		return &If{P: x.P, Clauses: rewriteClauses(x.Clauses, f)}
	case *Receive:
		return &Receive{P: x.P, Clauses: rewriteClauses(x.Clauses, f), After: r(x.After), AfterBody: RewriteList(x.AfterBody, f)}
	case *Try:
		return &Try{P: x.P, Body: RewriteList(x.Body, f), Clauses: rewriteClauses(x.Clauses, f),
			Catches: rewriteClauses(x.Catches, f), After: RewriteList(x.After, f)}
	case *CatchExpr:
		return &CatchExpr{P: x.P, X: r(x.X)}
	case *Block:
		return &Block{P: x.P, Body: RewriteList(x.Body, f)}
	case *Generator:
		return &Generator{P: x.P, Bin: x.Bin, Pat: r(x.Pat), X: r(x.X)}
	case *Comp:
		return &Comp{P: x.P, Bin: x.Bin, Elem: r(x.Elem), Quals: RewriteList(x.Quals, f)}
	case *Record:
		return &Record{P: x.P, Name: x.Name, Base: r(x.Base)}
	}
	return e
}

// RewriteList is Rewrite applied to each expression of es (nil stays
// nil).
func RewriteList(es []Expr, f func(Expr) (Expr, bool)) []Expr {
	if es == nil {
		return nil
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = Rewrite(e, f)
	}
	return out
}

func rewriteClauses(cs []Clause, f func(Expr) (Expr, bool)) []Clause {
	if cs == nil {
		return nil
	}
	out := make([]Clause, len(cs))
	for i, c := range cs {
		var guard [][]Expr
		if c.Guard != nil {
			guard = make([][]Expr, len(c.Guard))
			for j, g := range c.Guard {
				guard[j] = RewriteList(g, f)
			}
		}
		out[i] = Clause{P: c.P, Pats: RewriteList(c.Pats, f), Guard: guard, Body: RewriteList(c.Body, f)}
	}
	return out
}
