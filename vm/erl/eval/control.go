package eval

import (
	"time"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

func (m *machine) mapExpr(x *parse.Map, env *Bindings) (term.Term, *Bindings, error) {
	var base term.Map
	if x.Base != nil {
		b, env2, err := m.expr(x.Base, env)
		if err != nil {
			return nil, env, err
		}
		env = env2
		var ok bool
		if base, ok = b.(term.Map); !ok {
			// erl_eval evaluates the associations, then checks the map
			// with maps:put(k, v, Map).
			if _, _, err := m.mapFields(x.Fields, env); err != nil {
				return nil, env, err
			}
			return nil, env, mapsFrameError(tag("badmap", b), "put", []term.Term{term.Atom("k"), term.Atom("v"), b})
		}
	}
	kvs, env, err := m.mapFields(x.Fields, env)
	if err != nil {
		return nil, env, err
	}
	if x.Base == nil {
		return term.NewMap(kvs...), env, nil
	}
	out := base
	for i, kv := range kvs {
		if x.Fields[i].Exact {
			if _, ok := out.Get(kv.Key); !ok {
				// erl_eval updates with maps:update/3 in a lists:foldl/3.
				exc := mapsFrameError(tag("badkey", kv.Key), "update", []term.Term{kv.Key, kv.Value, out})
				exc.Stack = append(exc.Stack.(term.List),
					term.Tuple{term.Atom("erl_eval"), term.Atom("-expr/6-fun-0-"), term.Int(2), srcLoc("erl_eval.erl", 309)},
					term.Tuple{term.Atom("lists"), term.Atom("foldl"), term.Int(3), srcLoc("lists.erl", 1350)})
				return nil, env, exc
			}
		}
		out = out.Put(kv.Key, kv.Value)
	}
	return out, env, nil
}

func (m *machine) mapFields(fs []parse.MapField, env *Bindings) ([]term.KV, *Bindings, error) {
	kvs := make([]term.KV, 0, len(fs))
	for _, f := range fs {
		k, env2, err := m.expr(f.Key, env)
		if err != nil {
			return nil, env, err
		}
		v, env3, err := m.expr(f.Value, env2)
		if err != nil {
			return nil, env, err
		}
		env = env3
		kvs = append(kvs, term.KV{Key: k, Value: v})
	}
	return kvs, env, nil
}

// mapsFrameError is Reason raised by maps:Fun(Args) with erl_stdlib_errors
// error_info.
func mapsFrameError(reason term.Term, fun string, args []term.Term) *Exception {
	return &Exception{Class: ClassError, Reason: reason, Stack: term.List{
		term.Tuple{term.Atom("maps"), term.Atom(fun), term.List(args), stdlibInfo()}}}
}

// timeoutValue is erl_eval's error for a bad after value.
func timeoutValue() *Exception {
	return &Exception{Class: ClassError, Reason: term.Atom("timeout_value"), Stack: term.List{
		term.Tuple{term.Atom("prim_eval"), term.Atom("receive"), term.Int(2), term.Nil}}}
}

// receive waits for a message matching one of the clauses (or the
// timeout) and returns the body to evaluate with its bindings.
func (m *machine) receive(x *parse.Receive, env *Bindings) ([]parse.Expr, *Bindings, error) {
	timeout := time.Duration(-1)
	var afterEnv = env
	if x.After != nil {
		t, env2, err := m.expr(x.After, env)
		if err != nil {
			return nil, env, err
		}
		afterEnv = env2
		switch v := t.(type) {
		case term.Int:
			if v < 0 || v > 0xFFFFFFFF {
				return nil, env, timeoutValue()
			}
			timeout = time.Duration(v) * time.Millisecond
		case term.Atom:
			if v != "infinity" {
				return nil, env, timeoutValue()
			}
		default:
			return nil, env, timeoutValue()
		}
	}
	var body []parse.Expr
	var bound *Bindings
	var matchErr error
	match := func(msg term.Term) bool {
		if matchErr != nil {
			return false
		}
		b, e, ok, err := m.selectClause(x.Clauses, []term.Term{msg}, env)
		if err != nil {
			matchErr = err
			return false
		}
		if ok {
			body, bound = b, e
		}
		return ok
	}
	if len(x.Clauses) == 0 {
		match = func(term.Term) bool { return false }
	}
	_, ok, err := m.ev.host.Receive(m.ctx, match, timeout)
	if matchErr != nil {
		return nil, env, matchErr
	}
	if err != nil {
		return nil, env, err
	}
	if !ok {
		return x.AfterBody, afterEnv, nil
	}
	return body, bound, nil
}

// try evaluates try ... of ... catch ... after ... end.
func (m *machine) try(x *parse.Try, env *Bindings) (term.Term, *Bindings, error) {
	v, env2, err := m.tryBody(x, env)
	if len(x.After) > 0 {
		if _, _, aerr := m.exprs(x.After, env); aerr != nil {
			return nil, env, aerr
		}
	}
	return v, env2, err
}

func (m *machine) tryBody(x *parse.Try, env *Bindings) (term.Term, *Bindings, error) {
	v, env2, err := m.exprs(x.Body, env)
	if err == nil {
		if len(x.Clauses) == 0 {
			return v, env2, nil
		}
		body, env3, ok, err := m.selectClause(x.Clauses, []term.Term{v}, env2)
		if err != nil {
			return nil, env, err
		}
		if !ok {
			// Raised outside the protected part: not caught here.
			return nil, env, errorf(tag("try_clause", v))
		}
		return m.exprs(body, env3)
	}
	return m.catchClauses(x, err, env)
}

// catchClauses handles an exception raised in the body or an of clause.
func (m *machine) catchClauses(x *parse.Try, err error, env *Bindings) (term.Term, *Bindings, error) {
	exc, ok := AsException(err)
	if !ok || len(x.Catches) == 0 {
		return nil, env, err
	}
	val := term.Tuple{exc.Class, exc.Reason, exc.Stack}
	body, env2, matched, merr := m.selectClause(x.Catches, []term.Term{val}, env)
	if merr != nil {
		return nil, env, merr
	}
	if !matched {
		return nil, env, err
	}
	return m.exprs(body, env2)
}
