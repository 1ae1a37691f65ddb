package eval

import (
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

// match matches pattern p against v. Variables of the pattern are
// looked up and bound in env; outer (possibly nil) supplies the
// variables that expressions inside the pattern (binary sizes, map keys)
// may use but that the pattern itself does not bind — the enclosing
// scope of a fun head or generator, whose variables the pattern shadows.
// ok is false when the value does not match.
func (m *machine) match(p parse.Expr, v term.Term, env, outer *Bindings) (*Bindings, bool, error) {
	switch x := p.(type) {
	case *parse.Var:
		if x.Name == "_" {
			return env, true, nil
		}
		if old, ok := env.Get(x.Name); ok {
			return env, term.CompareExact(old, v) == 0, nil
		}
		return env.Bind(x.Name, v), true, nil
	case *parse.Lit:
		return env, term.CompareExact(x.Value(), v) == 0, nil
	case *parse.Nil:
		n, ok := term.ListLen(v)
		return env, ok && n == 0, nil
	case *parse.Cons:
		return m.matchCons(x, v, env, outer)
	case *parse.Tuple:
		t, ok := v.(term.Tuple)
		if !ok || len(t) != len(x.Elems) {
			return env, false, nil
		}
		for i, pe := range x.Elems {
			var err error
			env, ok, err = m.match(pe, t[i], env, outer)
			if err != nil || !ok {
				return env, false, err
			}
		}
		return env, true, nil
	case *parse.Map:
		mv, ok := v.(term.Map)
		if !ok {
			return env, false, nil
		}
		for _, f := range x.Fields {
			k, _, err := m.expr(f.Key, overlay(outer, env))
			if err != nil {
				if _, isExc := AsException(err); isExc {
					return env, false, nil
				}
				return env, false, err
			}
			val, found := mv.Get(k)
			if !found {
				return env, false, nil
			}
			env, ok, err = m.match(f.Value, val, env, outer)
			if err != nil || !ok {
				return env, false, err
			}
		}
		return env, true, nil
	case *parse.Bin:
		return m.matchBin(x, v, env, outer)
	case *parse.Match:
		env, ok, err := m.match(x.Pat, v, env, outer)
		if err != nil || !ok {
			return env, false, err
		}
		return m.match(x.X, v, env, outer)
	case *parse.BinOp:
		if x.Op == "++" {
			return m.matchPrefix(x, v, env, outer)
		}
		c, ok := constPattern(p)
		if !ok {
			return env, false, errorf(tag("illegal_pattern", term.Atom("expression")))
		}
		return env, term.CompareExact(c, v) == 0, nil
	case *parse.UnOp:
		c, ok := constPattern(p)
		if !ok {
			return env, false, errorf(tag("illegal_pattern", term.Atom("expression")))
		}
		return env, term.CompareExact(c, v) == 0, nil
	case *parse.Call:
		// f(X) in a pattern: erl_eval reports an illegal pattern at run
		// time (the shell's checker lets it through).
		return env, false, errorf(tag("illegal_pattern", term.Atom("call")))
	}
	return env, false, errorf(tag("illegal_pattern", term.Atom("expression")))
}

func (m *machine) matchCons(x *parse.Cons, v term.Term, env, outer *Bindings) (*Bindings, bool, error) {
	var p parse.Expr = x
	for {
		c, isCons := p.(*parse.Cons)
		if !isCons {
			return m.match(p, v, env, outer)
		}
		head, rest, ok := term.Uncons(v)
		if !ok {
			return env, false, nil
		}
		var err error
		env, ok, err = m.match(c.Head, head, env, outer)
		if err != nil || !ok {
			return env, false, err
		}
		p, v = c.Tail, rest
	}
}

// matchPrefix matches "abc" ++ Rest (or [$a, $b] ++ Rest).
func (m *machine) matchPrefix(x *parse.BinOp, v term.Term, env, outer *Bindings) (*Bindings, bool, error) {
	prefix, ok := constList(x.L)
	if !ok {
		return env, false, errorf(tag("illegal_pattern", term.Atom("expression")))
	}
	for _, c := range prefix {
		h, rest, ok := term.Uncons(v)
		if !ok || term.CompareExact(h, c) != 0 {
			return env, false, nil
		}
		v = rest
	}
	return m.match(x.R, v, env, outer)
}

// constList returns the elements of a literal list pattern prefix
// (string, [], or a list of chars/integers).
func constList(e parse.Expr) ([]term.Term, bool) {
	var out []term.Term
	for {
		switch x := e.(type) {
		case *parse.Nil:
			return out, true
		case *parse.Lit:
			l, ok := term.AsList(x.Value())
			if !ok {
				return nil, false
			}
			return append(out, l...), true
		case *parse.Cons:
			c, ok := constPattern(x.Head)
			if !ok {
				return nil, false
			}
			out = append(out, c)
			e = x.Tail
		default:
			return nil, false
		}
	}
}

// constPattern evaluates a pattern that is a constant expression (erl_lint
// accepts arithmetic on literals in patterns, e.g. 1 + 1 or -1).
func constPattern(e parse.Expr) (term.Term, bool) {
	switch x := e.(type) {
	case *parse.Lit:
		return x.Value(), true
	case *parse.UnOp:
		v, ok := constPattern(x.X)
		if !ok {
			return nil, false
		}
		r, exc := unaryOp(x.Op, v)
		if exc != nil || x.Op == "not" {
			return nil, false
		}
		return r, true
	case *parse.BinOp:
		switch x.Op {
		case "+", "-", "*", "/", "div", "rem", "band", "bor", "bxor", "bsl", "bsr":
		default:
			return nil, false
		}
		l, ok1 := constPattern(x.L)
		r, ok2 := constPattern(x.R)
		if !ok1 || !ok2 {
			return nil, false
		}
		v, exc := arith(term.Atom(x.Op), l, r)
		if exc != nil {
			return nil, false
		}
		return v, true
	}
	return nil, false
}
