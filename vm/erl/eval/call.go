package eval

import (
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

// closure is the implementation of a fun defined in the shell; it is the
// Local field of its *term.Fun.
type closure struct {
	clauses []parse.Clause
	env     *Bindings
	name    string // named fun: the name bound to the fun itself
	arity   int
	self    *term.Fun
}

// ShellFun reports whether t is a fun defined in the shell (which only
// this evaluator can run).
func ShellFun(t term.Term) bool {
	f, ok := t.(*term.Fun)
	if !ok {
		return false
	}
	_, ok = f.Local.(*closure)
	return ok
}

// funIndex mirrors OTP 25's erl_eval fun indexes (one fun per arity, a
// separate set for named funs) so that shell funs print like
// #Fun<erl_eval.43.N>; the uniq part differs from any real OTP build.
func funIndex(arity int, named bool) int32 {
	if named {
		return int32(20 - arity)
	}
	return int32(43 - arity)
}

func (m *machine) makeFun(x *parse.Fun, env *Bindings) term.Term {
	arity := len(x.Clauses[0].Pats)
	c := &closure{clauses: x.Clauses, env: env, name: x.Name, arity: arity}
	f := &term.Fun{Module: "erl_eval", Arity: uint8(arity), OldIndex: funIndex(arity, x.Name != ""), Index: uint32(funIndex(arity, x.Name != "")), Local: c}
	c.self = f
	if x.Name != "" {
		// A named fun sees itself under its name.
		c.env = env.Bind(x.Name, f)
	}
	return f
}

func (m *machine) funRef(x *parse.FunRef, env *Bindings) (term.Term, *Bindings, error) {
	if x.Mod == nil {
		// The shell has no local functions: erl_eval looks fun f/A up in
		// itself, even for BIFs.
		ar, _ := x.Arity.(*parse.Lit)
		n, _ := ar.Val.(term.Int)
		return nil, env, &Exception{Class: ClassError, Reason: term.Atom("undef"), Stack: term.List{Frame("erl_eval", term.Atom(x.Name), n)}}
	}
	vals, env2, err := m.exprList([]parse.Expr{x.Mod, x.Fun, x.Arity}, env)
	if err != nil {
		return nil, env, err
	}
	mod, ok1 := vals[0].(term.Atom)
	fn, ok2 := vals[1].(term.Atom)
	ar, ok3 := vals[2].(term.Int)
	if !ok1 || !ok2 || !ok3 || ar < 0 || ar > 255 {
		return nil, env, bifError(atomBadarg, "make_fun", vals)
	}
	return term.ExportFun{Module: mod, Function: fn, Arity: uint8(ar)}, env2, nil
}

// call evaluates a call expression. In tail position (tail true) a call
// of a shell fun is returned as a tailCall instead of being made.
func (m *machine) call(x *parse.Call, env *Bindings, tail bool) (term.Term, *Bindings, *tailCall, error) {
	switch f := x.Fun.(type) {
	case *parse.Remote:
		mv, env2, err := m.expr(f.Mod, env)
		if err != nil {
			return nil, env, nil, err
		}
		fv, env3, err := m.expr(f.Fun, env2)
		if err != nil {
			return nil, env, nil, err
		}
		args, env4, err := m.exprList(x.Args, env3)
		if err != nil {
			return nil, env, nil, err
		}
		mod, ok1 := mv.(term.Atom)
		fn, ok2 := fv.(term.Atom)
		if !ok1 || !ok2 {
			return nil, env, nil, errorf(tag("badfun", term.Tuple{mv, fv}))
		}
		v, err := m.callMFA(mod, fn, args)
		return v, env4, nil, err
	case *parse.Lit:
		name, ok := f.Val.(term.Atom)
		if !ok {
			break
		}
		if isAutoBIF(string(name), len(x.Args)) {
			args, env2, err := m.exprList(x.Args, env)
			if err != nil {
				return nil, env, nil, err
			}
			v, err := m.callMFA("erlang", name, args)
			return v, env2, nil, err
		}
		return m.localCall(name, x.Args, env)
	}
	fv, env2, err := m.expr(x.Fun, env)
	if err != nil {
		return nil, env, nil, err
	}
	args, env3, err := m.exprList(x.Args, env2)
	if err != nil {
		return nil, env, nil, err
	}
	if tail && ShellFun(fv) {
		return nil, env3, &tailCall{f: fv, args: args}, nil
	}
	v, err := m.apply(fv, args)
	return v, env3, nil, err
}

// localCall is a call f(Args) of a name that is not a BIF: a shell
// command, or a function of shell_default on the target.
func (m *machine) localCall(name term.Atom, argExprs []parse.Expr, env *Bindings) (term.Term, *Bindings, *tailCall, error) {
	if m.ev.opts.Local != nil {
		v, env2, handled, err := m.ev.opts.Local(m.ctx, name, argExprs, env)
		if handled || err != nil {
			if err != nil {
				return nil, env, nil, err
			}
			return v, env2, nil, nil
		}
	}
	args, env2, err := m.exprList(argExprs, env)
	if err != nil {
		return nil, env, nil, err
	}
	if err := m.noShellFuns("shell_default", name, args); err != nil {
		return nil, env, nil, err
	}
	v, err := m.ev.host.Call(m.ctx, "shell_default", name, args)
	if err != nil {
		if exc, ok := AsException(err); ok && exc.Class == ClassError && exc.Reason == term.Atom("undef") && undefFor(exc.Stack, "shell_default", name) {
			return nil, env, nil, errorf(term.Tuple{term.Atom("shell_undef"), name, term.Int(len(args)), term.Nil})
		}
		return nil, env, nil, err
	}
	return v, env2, nil, nil
}

// undefFor reports whether an undef stack names M:F as the missing
// function.
func undefFor(stack term.Term, mod, fn term.Atom) bool {
	l, ok := term.AsList(stack)
	if !ok || len(l) == 0 {
		return true
	}
	fr, ok := l[0].(term.Tuple)
	return ok && len(fr) == 4 && fr[0] == mod && fr[1] == fn
}

// apply calls a fun value with args (Fun(Args...) and erlang:apply/2).
func (m *machine) apply(f term.Term, args []term.Term) (term.Term, error) {
	for {
		switch fv := f.(type) {
		case *term.Fun:
			c, ok := fv.Local.(*closure)
			if !ok {
				// A fun made on the target: only the target can run it.
				return m.ev.host.Call(m.ctx, "erlang", "apply", []term.Term{fv, term.List(args)})
			}
			if c.arity != len(args) {
				return nil, errorf(tag("badarity", term.Tuple{fv, term.List(args)}))
			}
			nf, nargs, v, err := m.applyClosure(c, args)
			if err != nil || nf == nil {
				return v, err
			}
			f, args = nf, nargs
			continue
		case term.ExportFun:
			if int(fv.Arity) != len(args) {
				return nil, errorf(tag("badarity", term.Tuple{fv, term.List(args)}))
			}
			return m.callMFA(fv.Module, fv.Function, args)
		}
		return nil, errorf(tag("badfun", f))
	}
}

// applyClosure runs one call of a shell fun; a call in tail position
// comes back as (nextFun, nextArgs) for apply's loop.
func (m *machine) applyClosure(c *closure, args []term.Term) (term.Term, []term.Term, term.Term, error) {
	if err := m.tick(); err != nil {
		return nil, nil, nil, err
	}
	if m.depth >= m.ev.opts.MaxCallDepth {
		return nil, nil, nil, errorf(term.Atom("system_limit"))
	}
	m.depth++
	nf, nargs, v, err := m.runClauses(c, args)
	m.depth--
	return nf, nargs, v, err
}

func (m *machine) runClauses(c *closure, args []term.Term) (term.Term, []term.Term, term.Term, error) {
	base := c.env
	for i := range c.clauses {
		cl := &c.clauses[i]
		var fresh *Bindings
		ok := true
		for k, p := range cl.Pats {
			var err error
			fresh, ok, err = m.match(p, args[k], fresh, base)
			if err != nil {
				return nil, nil, nil, err
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		env := overlay(base, fresh)
		g, err := m.guard(cl.Guard, env)
		if err != nil {
			return nil, nil, nil, err
		}
		if !g {
			continue
		}
		v, _, tc, err := m.tailBody(cl.Body, env)
		if err != nil {
			return nil, nil, nil, err
		}
		if tc != nil {
			return tc.f, tc.args, nil, nil
		}
		return nil, nil, v, nil
	}
	return nil, nil, nil, &Exception{Class: ClassError, Reason: term.Atom("function_clause"),
		Stack: term.List{
			Frame("erl_eval", "-inside-an-interpreted-fun-", term.List(append([]term.Term(nil), args...))),
			term.Tuple{term.Atom("erl_eval"), term.Atom("eval_fun"), term.Int(8), srcLoc("erl_eval.erl", 898)},
		}}
}

// overlay returns base with the bindings of fresh added on top.
func overlay(base, fresh *Bindings) *Bindings {
	if fresh == nil {
		return base
	}
	if fresh.next == nil {
		return base.Bind(fresh.name, fresh.val)
	}
	var buf [8]*Bindings
	stack := buf[:0]
	for n := fresh; n != nil; n = n.next {
		stack = append(stack, n)
	}
	out := base
	for i := len(stack) - 1; i >= 0; i-- {
		out = out.Bind(stack[i].name, stack[i].val)
	}
	return out
}

// callMFA calls Mod:Fun(Args): a local BIF, a higher-order function
// applied in Go to a shell fun, a process BIF through the host, or a
// call on the target.
func (m *machine) callMFA(mod, fn term.Atom, args []term.Term) (term.Term, error) {
	if mod == "erlang" {
		if b, ok := evalTables().local[bifKey{fn, len(args)}]; ok {
			return b(m, args)
		}
		if evalTables().process[bifKey{fn, len(args)}] {
			if ph, ok := m.ev.host.(ProcessHost); ok {
				if err := m.noShellFuns(mod, fn, args); err != nil {
					return nil, err
				}
				v, handled, err := ph.ProcessBIF(m.ctx, fn, args)
				if handled || err != nil {
					return v, err
				}
			}
		}
	}
	if h, ok := evalTables().hofs[mfaKey{mod, fn, len(args)}]; ok && anyShellFun(args) {
		return h(m, args)
	}
	if err := m.noShellFuns(mod, fn, args); err != nil {
		return nil, err
	}
	return m.ev.host.Call(m.ctx, mod, fn, args)
}
