package eval

import (
	"context"
	"fmt"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// DefaultMaxCallDepth is the default bound on nested (non-tail) calls of
// shell funs.
const DefaultMaxCallDepth = 20000

// LocalFunc handles a local call name(Args...) that is not an
// auto-imported BIF: the shell's own commands (b(), f(X), v(N), ...).
// It receives the arguments unevaluated, like OTP's shell. It returns
// handled=false for a name it does not know.
type LocalFunc func(ctx context.Context, name term.Atom, args []parse.Expr, bs *Bindings) (v term.Term, out *Bindings, handled bool, err error)

// Options configure an Evaluator.
type Options struct {
	// MaxCallDepth bounds nested calls of shell funs (tail calls do not
	// count); deeper recursion raises error:system_limit. 0 means
	// DefaultMaxCallDepth.
	MaxCallDepth int
	// Local handles shell commands; nil means none.
	Local LocalFunc
}

// Evaluator evaluates parsed expressions with erl_eval's semantics. It
// holds the state of one shell process (its process dictionary); it is
// not safe for concurrent use.
type Evaluator struct {
	host  Host
	opts  Options
	pdict []term.KV
}

// New returns an evaluator that runs module calls and process
// operations through host.
func New(host Host, opts Options) *Evaluator {
	if opts.MaxCallDepth <= 0 {
		opts.MaxCallDepth = DefaultMaxCallDepth
	}
	return &Evaluator{host: host, opts: opts}
}

// Host returns the evaluator's host.
func (ev *Evaluator) Host() Host { return ev.host }

// machine is the state of one evaluation.
type machine struct {
	ev    *Evaluator
	ctx   context.Context
	depth int
	ticks int
}

// Exprs evaluates an expression sequence with bindings bs and returns
// the value of the last expression and the new bindings. Erlang
// exceptions are returned as *Exception. Call Check first: Exprs assumes
// the expressions passed erl_lint's checks.
func (ev *Evaluator) Exprs(ctx context.Context, exprs []parse.Expr, bs *Bindings) (term.Term, *Bindings, error) {
	m := &machine{ev: ev, ctx: ctx}
	v, out, err := m.exprs(exprs, bs)
	if err != nil {
		return nil, bs, err
	}
	return v, out.compact(), nil
}

// Apply calls fun F (a shell fun, an external fun or a target fun) with
// args, as erlang:apply/2 does.
func (ev *Evaluator) Apply(ctx context.Context, f term.Term, args []term.Term) (term.Term, error) {
	m := &machine{ev: ev, ctx: ctx}
	return m.apply(f, args)
}

// tick checks for cancellation now and then.
func (m *machine) tick() error {
	m.ticks++
	if m.ticks&1023 == 0 {
		if err := m.ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrInterrupted, err)
		}
	}
	return nil
}

func (m *machine) exprs(es []parse.Expr, env *Bindings) (term.Term, *Bindings, error) {
	var v term.Term
	var err error
	for _, e := range es {
		v, env, err = m.expr(e, env)
		if err != nil {
			return nil, env, err
		}
	}
	return v, env, nil
}

// exprList evaluates expressions left to right, threading bindings.
func (m *machine) exprList(es []parse.Expr, env *Bindings) ([]term.Term, *Bindings, error) {
	out := make([]term.Term, len(es))
	for i, e := range es {
		v, env2, err := m.expr(e, env)
		if err != nil {
			return nil, env, err
		}
		out[i], env = v, env2
	}
	return out, env, nil
}

func (m *machine) expr(e parse.Expr, env *Bindings) (term.Term, *Bindings, error) {
	switch x := e.(type) {
	case *parse.Lit:
		return x.Value(), env, nil
	case *parse.Var:
		v, ok := env.Get(x.Name)
		if !ok {
			return nil, env, errorf(tag("unbound", term.Atom(x.Name)))
		}
		return v, env, nil
	case *parse.Nil:
		return term.Nil, env, nil
	case *parse.Cons:
		return m.cons(x, env)
	case *parse.Tuple:
		vs, env2, err := m.exprList(x.Elems, env)
		if err != nil {
			return nil, env, err
		}
		return term.Tuple(vs), env2, nil
	case *parse.Map:
		return m.mapExpr(x, env)
	case *parse.Bin:
		return m.binExpr(x, env)
	case *parse.Match:
		v, env2, err := m.expr(x.X, env)
		if err != nil {
			return nil, env, err
		}
		env3, ok, err := m.match(x.Pat, v, env2, nil)
		if err != nil {
			return nil, env, err
		}
		if !ok {
			return nil, env, errorf(tag("badmatch", v))
		}
		return v, env3, nil
	case *parse.BinOp:
		return m.binOp(x, env)
	case *parse.UnOp:
		v, env2, err := m.expr(x.X, env)
		if err != nil {
			return nil, env, err
		}
		r, exc := unaryOp(x.Op, v)
		if exc != nil {
			return nil, env, exc
		}
		return r, env2, nil
	case *parse.Call:
		v, env2, tc, err := m.call(x, env, false)
		if err != nil {
			return nil, env, err
		}
		if tc != nil {
			v, err = m.apply(tc.f, tc.args)
			if err != nil {
				return nil, env, err
			}
		}
		return v, env2, nil
	case *parse.Fun:
		return m.makeFun(x, env), env, nil
	case *parse.FunRef:
		return m.funRef(x, env)
	case *parse.Case, *parse.If, *parse.Receive, *parse.Block:
		v, env2, tc, err := m.tailExpr(e, env)
		if err != nil {
			return nil, env, err
		}
		if tc != nil {
			v, err = m.apply(tc.f, tc.args)
			if err != nil {
				return nil, env, err
			}
		}
		return v, env2, nil
	case *parse.Try:
		return m.try(x, env)
	case *parse.CatchExpr:
		v, env2, err := m.expr(x.X, env)
		if err == nil {
			return v, env2, nil
		}
		exc, ok := AsException(err)
		if !ok {
			return nil, env, err
		}
		switch exc.Class {
		case ClassThrow:
			return exc.Reason, env, nil
		case ClassExit:
			return term.Tuple{term.Atom("EXIT"), exc.Reason}, env, nil
		}
		return term.Tuple{term.Atom("EXIT"), term.Tuple{exc.Reason, exc.Stack}}, env, nil
	case *parse.Comp:
		return m.comprehension(x, env)
	case *parse.Remote:
		return nil, env, errorf(tag("illegal_expr", term.Atom("remote")))
	case *parse.Record:
		return nil, env, errorf(tag("undef_record", term.Atom(x.Name)))
	case *parse.Generator:
		return nil, env, errorf(term.Atom("illegal_expr"))
	}
	return nil, env, errorf(term.Atom("illegal_expr"))
}

func (m *machine) cons(x *parse.Cons, env *Bindings) (term.Term, *Bindings, error) {
	var elems []term.Term
	var e parse.Expr = x
	for {
		c, ok := e.(*parse.Cons)
		if !ok {
			break
		}
		v, env2, err := m.expr(c.Head, env)
		if err != nil {
			return nil, env, err
		}
		elems, env = append(elems, v), env2
		e = c.Tail
	}
	if _, ok := e.(*parse.Nil); ok {
		return term.List(elems), env, nil
	}
	tail, env2, err := m.expr(e, env)
	if err != nil {
		return nil, env, err
	}
	return term.Cons(elems, tail), env2, nil
}

func (m *machine) binOp(x *parse.BinOp, env *Bindings) (term.Term, *Bindings, error) {
	switch x.Op {
	case "andalso", "orelse":
		l, env2, err := m.expr(x.L, env)
		if err != nil {
			return nil, env, err
		}
		switch {
		case x.Op == "andalso" && l == term.False, x.Op == "orelse" && l == term.True:
			return l, env2, nil
		case l == term.True || l == term.False:
			return m.expr(x.R, env2)
		}
		return nil, env, errorf(tag("badarg", l))
	}
	l, env2, err := m.expr(x.L, env)
	if err != nil {
		return nil, env, err
	}
	r, env3, err := m.expr(x.R, env2)
	if err != nil {
		return nil, env, err
	}
	if x.Op == "!" {
		if err := m.ev.host.Send(m.ctx, l, r); err != nil {
			if exc, ok := AsException(err); ok && exc.Class == ClassError && isEmptyStack(exc.Stack) {
				return nil, env, bifError(exc.Reason, "!", []term.Term{l, r})
			}
			return nil, env, err
		}
		return r, env3, nil
	}
	v, exc := binaryOp(x.Op, l, r)
	if exc != nil {
		return nil, env, exc
	}
	return v, env3, nil
}

func isEmptyStack(t term.Term) bool {
	n, ok := term.ListLen(t)
	return ok && n == 0
}

// tailCall is a call in tail position left for the caller's loop.
type tailCall struct {
	f    term.Term
	args []term.Term
}

// tailExpr evaluates e; when e ends in a call of a fun, the call is
// returned instead of made, so that shell funs loop in constant space.
func (m *machine) tailExpr(e parse.Expr, env *Bindings) (term.Term, *Bindings, *tailCall, error) {
	switch x := e.(type) {
	case *parse.Call:
		return m.call(x, env, true)
	case *parse.Block:
		return m.tailBody(x.Body, env)
	case *parse.Case:
		v, env2, err := m.expr(x.X, env)
		if err != nil {
			return nil, env, nil, err
		}
		body, env3, ok, err := m.selectClause(x.Clauses, []term.Term{v}, env2)
		if err != nil {
			return nil, env, nil, err
		}
		if !ok {
			return nil, env, nil, errorf(tag("case_clause", v))
		}
		return m.tailBody(body, env3)
	case *parse.If:
		for i := range x.Clauses {
			ok, err := m.guard(x.Clauses[i].Guard, env)
			if err != nil {
				return nil, env, nil, err
			}
			if ok {
				return m.tailBody(x.Clauses[i].Body, env)
			}
		}
		return nil, env, nil, errorf(term.Atom("if_clause"))
	case *parse.Receive:
		body, env2, err := m.receive(x, env)
		if err != nil {
			return nil, env, nil, err
		}
		return m.tailBody(body, env2)
	}
	v, env2, err := m.expr(e, env)
	return v, env2, nil, err
}

func (m *machine) tailBody(body []parse.Expr, env *Bindings) (term.Term, *Bindings, *tailCall, error) {
	if len(body) == 0 {
		return nil, env, nil, errorf(term.Atom("illegal_expr"))
	}
	for _, e := range body[:len(body)-1] {
		var err error
		if _, env, err = m.expr(e, env); err != nil {
			return nil, env, nil, err
		}
	}
	return m.tailExpr(body[len(body)-1], env)
}

// selectClause finds the first clause whose single pattern (or pattern
// list) and guard match vals; it returns the clause body and bindings.
func (m *machine) selectClause(cs []parse.Clause, vals []term.Term, env *Bindings) ([]parse.Expr, *Bindings, bool, error) {
	for i := range cs {
		c := &cs[i]
		env2 := env
		ok := true
		for k, p := range c.Pats {
			var err error
			env2, ok, err = m.match(p, vals[k], env2, nil)
			if err != nil {
				return nil, env, false, err
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		g, err := m.guard(c.Guard, env2)
		if err != nil {
			return nil, env, false, err
		}
		if g {
			return c.Body, env2, true, nil
		}
	}
	return nil, env, false, nil
}

// guard evaluates a guard sequence: alternatives separated by ';', each
// a conjunction of tests; an exception in a test makes it false.
func (m *machine) guard(g [][]parse.Expr, env *Bindings) (bool, error) {
	if len(g) == 0 {
		return true, nil
	}
	for _, conj := range g {
		ok := true
		for _, t := range conj {
			v, _, err := m.expr(t, env)
			if err != nil {
				if _, isExc := AsException(err); isExc {
					ok = false
					break
				}
				return false, err
			}
			if v != term.True {
				ok = false
				break
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// posOf is used in error messages that name a source position.
func posOf(e parse.Expr) scan.Pos { return e.At() }
