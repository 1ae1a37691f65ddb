package stdlib

import (
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// argList is args as the list of an {M, F, Args, Info} stack frame.
func argList(args []term.Term) term.Term {
	if len(args) == 0 {
		return term.Nil
	}
	return term.List(append([]term.Term(nil), args...))
}

// fc is error:function_clause raised by Mod:Fun(Args...), printed by the
// shell as "no function clause matching Mod:Fun(Args)".
func fc(mod, fun term.Atom, args []term.Term) error {
	return &rpc.Exception{Class: "error", Reason: term.Atom("function_clause"),
		Stack: term.List{term.Tuple{mod, fun, argList(args), term.Nil}}}
}

// raise is error:Reason raised in Mod:Fun(Args...).
func raise(reason term.Term, mod, fun term.Atom, args []term.Term) error {
	return &rpc.Exception{Class: "error", Reason: reason,
		Stack: term.List{term.Tuple{mod, fun, argList(args), term.Nil}}}
}

// badarg is error:badarg raised by the BIF Mod:Fun(Args...).
func badarg(mod, fun term.Atom, args []term.Term) error {
	return raise(term.Atom("badarg"), mod, fun, args)
}

// proper returns t as a proper list.
func proper(t term.Term) (term.List, bool) { return term.AsList(t) }

// nonNegInt returns t as a non-negative int that fits the machine.
func nonNegInt(t term.Term) (int, bool) {
	i, ok := t.(term.Int)
	if !ok || i < 0 || int64(i) > int64(^uint(0)>>1) {
		return 0, false
	}
	return int(i), true
}

// list builds a result list, [] for none.
func list(elems []term.Term) term.Term {
	if len(elems) == 0 {
		return term.Nil
	}
	return term.List(elems)
}

// Register adds every module of this package to reg.
func Register(reg *rpc.Registry) {
	registerLists(reg)
	registerMaps(reg)
	registerIO(reg)
	registerMisc(reg)
}
