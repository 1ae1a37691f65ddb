package shell

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// builtins lists the shell commands the session implements itself
// (other local calls go to shell_default on the target).
var builtins = []string{"b/0", "f/0", "f/1", "v/1", "e/1", "h/0", "flush/0", "history/1", "results/1"}

// Builtins returns the shell commands the session implements itself, as
// "name/arity"; other local calls go to shell_default on the target.
func Builtins() []string { return append([]string(nil), builtins...) }

// local handles the shell's own commands.
func (s *Session) local(ctx context.Context, name term.Atom, args []parse.Expr, bs *eval.Bindings) (term.Term, *eval.Bindings, bool, error) {
	switch {
	case name == "b" && len(args) == 0:
		for _, b := range bs.All() {
			prefix := b.Name + " = "
			s.print(prefix + syntax.Pretty(b.Value, syntax.Options{Encoding: s.fmt.Encoding, Column: len(prefix) + 1,
				LineLength: s.lineLength(), Depth: 30, LineMaxChars: 60, Node: s.fmt.Node}) + "\n")
		}
		return term.OK, bs, true, nil
	case name == "f" && len(args) == 0:
		return term.OK, nil, true, nil
	case name == "f" && len(args) == 1:
		if v, ok := args[0].(*parse.Var); ok {
			return term.OK, bs.Delete(v.Name), true, nil
		}
		return nil, bs, true, shellFC("f", 1)
	case name == "v" && len(args) == 1:
		lit, ok := args[0].(*parse.Lit)
		n, isInt := lit.Val.(term.Int)
		if !ok || !isInt {
			return nil, bs, true, shellFC("v", 1)
		}
		e, found := s.hist.Get(int(n))
		if !found || !e.HasValue {
			return term.Undefined, bs, true, nil
		}
		return e.Value, bs, true, nil
	case name == "h" && len(args) == 0:
		for _, e := range s.hist.Entries() {
			src := strings.TrimSuffix(strings.TrimSpace(e.Source), ".")
			s.print(fmt.Sprintf("%d: %s\n", e.N, src))
			if e.HasValue {
				s.print("-> " + syntax.Pretty(e.Value, syntax.Options{Encoding: s.fmt.Encoding, Column: 4,
					LineLength: s.lineLength(), Depth: 30, LineMaxChars: 60, Node: s.fmt.Node}) + "\n")
			}
		}
		return term.OK, bs, true, nil
	case name == "flush" && len(args) == 0:
		for {
			msg, ok, err := s.ev.Host().Receive(ctx, func(term.Term) bool { return true }, 0*time.Millisecond)
			if err != nil {
				return nil, bs, true, err
			}
			if !ok {
				return term.OK, bs, true, nil
			}
			ctl := "Shell got ~p~n"
			if s.fmt.Encoding == syntax.Unicode {
				ctl = "Shell got ~tp~n"
			}
			text, ferr := iolib.Format(ctl, []term.Term{msg}, iolib.Options{Node: s.fmt.Node})
			if ferr != nil {
				text = "Shell got " + syntax.Write(msg, syntax.Options{Node: s.fmt.Node}) + "\n"
			}
			s.print(text)
		}
	case (name == "history" || name == "results") && len(args) == 1:
		lit, ok := args[0].(*parse.Lit)
		if !ok {
			return nil, bs, true, shellFC(string(name), 1)
		}
		if _, isInt := lit.Val.(term.Int); !isInt {
			return nil, bs, true, shellFC(string(name), 1)
		}
		// The REPL owns the history length; report OTP's default.
		return term.Int(20), bs, true, nil
	}
	return nil, bs, false, nil
}

func (s *Session) lineLength() int {
	if s.fmt.LineLength > 0 {
		return s.fmt.LineLength
	}
	return 80
}

func (s *Session) print(text string) {
	if s.out != nil {
		s.out.WriteString(text)
	}
}

// shellFC is the function_clause the shell raises for a command called
// with a bad argument: erlang:raise(error, function_clause, [{shell, F, A}]),
// whose stack is that one frame.
func shellFC(f string, a int) error {
	return &eval.Exception{Class: eval.ClassError, Reason: term.Atom("function_clause"),
		Stack: term.List{term.Tuple{term.Atom("shell"), term.Atom(f), term.Int(a), term.Nil}}}
}

// isCommandFC reports whether stack is the one shellFC raises.
func isCommandFC(stack term.Term) bool {
	l, ok := term.AsList(stack)
	if !ok || len(l) != 1 {
		return false
	}
	f, ok := l[0].(term.Tuple)
	if !ok || len(f) != 4 || f[0] != term.Atom("shell") {
		return false
	}
	name, _ := f[1].(term.Atom)
	a, _ := f[2].(term.Int)
	for _, b := range builtins {
		if b == string(name)+"/"+strconv.Itoa(int(a)) {
			return true
		}
	}
	return false
}

// expandHistory replaces e(N) by the expressions of command N and
// checks that v(N) refers to a command, as shell:expand_hist/2 does.
func (s *Session) expandHistory(es []parse.Expr) ([]parse.Expr, error) {
	var err error
	out := make([]parse.Expr, len(es))
	for i, e := range es {
		out[i] = s.expand(e, &err)
	}
	return out, err
}

func (s *Session) cmdNum(arg parse.Expr) (int, bool) {
	lit, ok := arg.(*parse.Lit)
	if !ok {
		if u, ok := arg.(*parse.UnOp); ok && u.Op == "-" {
			if l, ok := u.X.(*parse.Lit); ok {
				if n, ok := l.Val.(term.Int); ok {
					return s.n - int(n), true
				}
			}
		}
		return 0, false
	}
	n, ok := lit.Val.(term.Int)
	if !ok {
		return 0, false
	}
	if n < 0 {
		return s.n + int(n), true
	}
	return int(n), true
}

func (s *Session) expand(e parse.Expr, err *error) parse.Expr {
	if *err != nil || e == nil {
		return e
	}
	switch x := e.(type) {
	case *parse.Call:
		if f, ok := x.Fun.(*parse.Lit); ok && len(x.Args) == 1 && (f.Val == term.Atom("e") || f.Val == term.Atom("v")) {
			n, ok := s.cmdNum(x.Args[0])
			entry, found := s.hist.Get(n)
			if !ok || !found || (f.Val == term.Atom("v") && !entry.HasValue) {
				*err = &commandError{msg: exprText(x.Args[0]) + ": command not found"}
				return e
			}
			if f.Val == term.Atom("v") {
				return &parse.Call{P: x.P, Fun: x.Fun, Args: []parse.Expr{&parse.Lit{P: x.Args[0].At(), Kind: scan.Integer, Val: term.Int(n)}}}
			}
			if len(entry.Exprs) == 1 {
				return entry.Exprs[0]
			}
			return &parse.Block{P: x.P, Body: entry.Exprs}
		}
		args := make([]parse.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = s.expand(a, err)
		}
		return &parse.Call{P: x.P, Fun: s.expand(x.Fun, err), Args: args}
	case *parse.Cons:
		return &parse.Cons{P: x.P, Head: s.expand(x.Head, err), Tail: s.expand(x.Tail, err)}
	case *parse.Tuple:
		return &parse.Tuple{P: x.P, Elems: s.expandList(x.Elems, err)}
	case *parse.Block:
		return &parse.Block{P: x.P, Body: s.expandList(x.Body, err)}
	case *parse.Match:
		return &parse.Match{P: x.P, Pat: x.Pat, X: s.expand(x.X, err)}
	case *parse.BinOp:
		return &parse.BinOp{P: x.P, Op: x.Op, L: s.expand(x.L, err), R: s.expand(x.R, err)}
	case *parse.UnOp:
		return &parse.UnOp{P: x.P, Op: x.Op, X: s.expand(x.X, err)}
	case *parse.CatchExpr:
		return &parse.CatchExpr{P: x.P, X: s.expand(x.X, err)}
	case *parse.Case:
		return &parse.Case{P: x.P, X: s.expand(x.X, err), Clauses: s.expandClauses(x.Clauses, err)}
	case *parse.If:
		return &parse.If{P: x.P, Clauses: s.expandClauses(x.Clauses, err)}
	case *parse.Fun:
		return &parse.Fun{P: x.P, Name: x.Name, Clauses: s.expandClauses(x.Clauses, err)}
	}
	return e
}

func (s *Session) expandList(es []parse.Expr, err *error) []parse.Expr {
	out := make([]parse.Expr, len(es))
	for i, e := range es {
		out[i] = s.expand(e, err)
	}
	return out
}

func (s *Session) expandClauses(cs []parse.Clause, err *error) []parse.Clause {
	out := make([]parse.Clause, len(cs))
	for i, c := range cs {
		c.Body = s.expandList(c.Body, err)
		out[i] = c
	}
	return out
}

// exprText prints a simple expression (the argument of e/v) for the
// "command not found" message.
func exprText(e parse.Expr) string {
	switch x := e.(type) {
	case *parse.Lit:
		return syntax.Write(x.Val, syntax.Options{})
	case *parse.Var:
		return x.Name
	case *parse.UnOp:
		return x.Op + exprText(x.X)
	}
	return "?"
}
