package codeload

import (
	"context"
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// On BEAM targets the process listings are evaluated on the node by
// erl_eval:exprs/2 (stdlib), given Erlang's abstract format (OTP's "The
// Abstract Format" chapter) built here, so that one small call returns
// only the matching processes instead of shipping every pid both ways —
// which matters on a 115200-baud line.

var anno = term.Int(1)

func aAtom(a string) term.Term { return term.Tuple{term.Atom("atom"), anno, term.Atom(a)} }
func aVar(v string) term.Term  { return term.Tuple{term.Atom("var"), anno, term.Atom(v)} }
func aTuple(es ...term.Term) term.Term {
	return term.Tuple{term.Atom("tuple"), anno, term.List(es)}
}
func aCall(m, f string, args ...term.Term) term.Term {
	var as term.Term = term.Nil
	if len(args) > 0 {
		as = term.List(args)
	}
	return term.Tuple{term.Atom("call"), anno, term.Tuple{term.Atom("remote"), anno, aAtom(m), aAtom(f)}, as}
}
func aList(es ...term.Term) term.Term {
	var l term.Term = term.Tuple{term.Atom("nil"), anno}
	for i := len(es) - 1; i >= 0; i-- {
		l = term.Tuple{term.Atom("cons"), anno, es[i], l}
	}
	return l
}
func aGen(pat, expr term.Term) term.Term { return term.Tuple{term.Atom("generate"), anno, pat, expr} }
func aLC(expr term.Term, quals ...term.Term) term.Term {
	return term.Tuple{term.Atom("lc"), anno, expr, term.List(quals)}
}

// runningExpr is, for modules Ms:
//
//	{[{P, erlang:process_info(P, registered_name), F} ||
//	    P <- erlang:processes(),
//	    {current_function, {M, _, _} = F} <- [erlang:process_info(P, current_function)],
//	    lists:member(M, Ms)],
//	 [code:soft_purge(M) || M <- Ms]}
//
// the processes executing the modules, and whether each module's old
// version could be purged.
func runningExpr(mods []string) term.Term {
	ms := make([]term.Term, len(mods))
	for i, m := range mods {
		ms[i] = aAtom(m)
	}
	match := term.Tuple{term.Atom("match"), anno, aTuple(aVar("M"), aVar("_"), aVar("_")), aVar("F")}
	running := aLC(aTuple(aVar("P"), aCall("erlang", "process_info", aVar("P"), aAtom("registered_name")), aVar("F")),
		aGen(aVar("P"), aCall("erlang", "processes")),
		aGen(aTuple(aAtom("current_function"), match), aList(aCall("erlang", "process_info", aVar("P"), aAtom("current_function")))),
		aCall("lists", "member", aVar("M"), aList(ms...)))
	purged := aLC(aCall("code", "soft_purge", aVar("M")), aGen(aVar("M"), aList(ms...)))
	return aTuple(running, purged)
}

// oldCodeExpr is [P || P <- erlang:processes(), erlang:check_process_code(P, Mod)].
func oldCodeExpr(mod string) term.Term {
	return aLC(aVar("P"),
		aGen(aVar("P"), aCall("erlang", "processes")),
		aCall("erlang", "check_process_code", aVar("P"), aAtom(mod)))
}

// eval runs erl_eval:exprs([Expr], []) on target and returns the value.
func (l *Loader) eval(ctx context.Context, target term.Atom, expr term.Term) (term.Term, error) {
	v, err := l.call(ctx, target, "erl_eval", "exprs", term.List{expr}, term.Nil)
	if err != nil {
		return nil, err
	}
	t, ok := v.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("value") {
		return nil, fmt.Errorf("erl_eval:exprs/2 on %s answered an unexpected term", target)
	}
	return t[1], nil
}

// procsOf reads [{Pid, RegisteredName | [], {M, F, A}}] or [Pid].
func procsOf(v term.Term) []Proc {
	l, _ := v.(term.List) // pids or tuples: never a term.Chars
	var out []Proc
	for _, e := range l {
		switch x := e.(type) {
		case term.Pid:
			out = append(out, Proc{Pid: x})
		case term.Tuple:
			if len(x) != 3 {
				continue
			}
			p := Proc{}
			p.Pid, _ = x[0].(term.Pid)
			if kv, ok := x[1].(term.Tuple); ok && len(kv) == 2 {
				p.Name, _ = kv[1].(term.Atom)
			}
			_, p.Function = mfa(term.Tuple{term.Atom("current_function"), x[2]})
			out = append(out, p)
		}
	}
	return out
}

// mfa reads {current_function, {M, F, A}}: the module and "m:f/a".
func mfa(t term.Term) (string, string) {
	kv, ok := t.(term.Tuple)
	if !ok || len(kv) != 2 {
		return "", ""
	}
	f, ok := kv[1].(term.Tuple)
	if !ok || len(f) != 3 {
		return "", ""
	}
	m, _ := f[0].(term.Atom)
	fn, _ := f[1].(term.Atom)
	a, _ := f[2].(term.Int)
	return string(m), fmt.Sprintf("%s:%s/%d", m, fn, a)
}
