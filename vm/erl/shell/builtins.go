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
var builtins = []string{"b/0", "f/0", "f/1", "v/1", "e/1", "h/0", "flush/0", "history/1", "results/1", "avmsh_node/0"}

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
	case name == "avmsh_node" && len(args) == 0:
		// avmsh's own node: node() is the target's (eval.TargetHost),
		// the shell process lives here.
		return s.ev.Host().Self().Node, bs, true, nil
	case name == "f" && len(args) == 1:
		if v, ok := args[0].(*parse.Var); ok {
			return term.OK, bs.Delete(v.Name), true, nil
		}
		return nil, bs, true, shellFC("f", 1)
	case name == "v" && len(args) == 1:
		// expandHistory has made the argument the command's number.
		lit, ok := args[0].(*parse.Lit)
		if !ok {
			return nil, bs, true, shellFC("v", 1)
		}
		n, isInt := lit.Val.(term.Int)
		if !isInt {
			return nil, bs, true, shellFC("v", 1)
		}
		e, found := s.hist.get(int(n))
		if !found || !e.HasValue {
			return term.Undefined, bs, true, nil
		}
		return e.Value, bs, true, nil
	case name == "h" && len(args) == 0:
		for _, e := range s.hist.entries {
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
		// history(N) and results(N) take an integer literal >= 0 (shell.erl's
		// local_func), set how many commands / results are kept from now
		// on, and return the previous size.
		lit, ok := args[0].(*parse.Lit)
		if !ok {
			return nil, bs, true, shellFC(string(name), 1)
		}
		n, isInt := lit.Val.(term.Int)
		if !isInt || n < 0 {
			return nil, bs, true, shellFC(string(name), 1)
		}
		size := &s.hist.length
		if name == "results" {
			size = &s.hist.results
		}
		old := *size
		*size = int(n)
		return term.Int(old), bs, true, nil
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
// v(N) by v(CommandNumber), anywhere in the command (inside funs,
// comprehensions, receive, try, maps, binaries, patterns...), as
// shell:expand_hist/2 does; an N that names no command (or, for v, no
// kept result) is the error "* N: command not found".
func (s *Session) expandHistory(ctx context.Context, es []parse.Expr) ([]parse.Expr, error) {
	var err error
	out := parse.RewriteList(es, func(e parse.Expr) (parse.Expr, bool) {
		if err != nil {
			return e, true
		}
		x, ok := e.(*parse.Call)
		if !ok || len(x.Args) != 1 {
			return nil, false
		}
		f, ok := x.Fun.(*parse.Lit)
		if !ok || (f.Val != term.Atom("e") && f.Val != term.Atom("v")) {
			return nil, false
		}
		n, ok := s.cmdNum(ctx, x.Args[0])
		entry, found := s.hist.get(n)
		if !ok || !found || (f.Val == term.Atom("v") && !entry.HasValue) {
			err = &commandError{msg: exprText(x.Args[0]) + ": command not found"}
			return e, true
		}
		if f.Val == term.Atom("v") {
			return &parse.Call{P: x.P, Fun: x.Fun, Args: []parse.Expr{&parse.Lit{P: x.Args[0].At(), Kind: scan.Integer, Val: term.Int(n)}}}, true
		}
		if len(entry.Exprs) == 1 {
			return entry.Exprs[0], true
		}
		return &parse.Block{P: x.P, Body: entry.Exprs}, true
	})
	return out, err
}

// cmdNum is the command an argument of e/1 or v/1 names: like
// shell:get_cmd/2 it evaluates the argument with no bindings (a
// variable fails), and a negative N counts back from the current
// command.
func (s *Session) cmdNum(ctx context.Context, arg parse.Expr) (int, bool) {
	var v term.Term
	if lit, ok := arg.(*parse.Lit); ok {
		v = lit.Value()
	} else {
		if eval.Check([]parse.Expr{arg}, nil) != nil {
			return 0, false
		}
		var err error
		v, _, err = s.ev.Exprs(ctx, []parse.Expr{arg}, nil)
		if err != nil {
			return 0, false
		}
	}
	n, ok := v.(term.Int)
	if !ok {
		return 0, false
	}
	if n < 0 {
		return s.n + int(n), true
	}
	return int(n), true
}

// exprText prints the argument of e/v for the "command not found"
// message, as erl_pp writes the simple expressions found there.
func exprText(e parse.Expr) string {
	switch x := e.(type) {
	case *parse.Lit:
		return syntax.Write(x.Value(), syntax.Options{})
	case *parse.Var:
		return x.Name
	case *parse.UnOp:
		if x.Op == "not" || x.Op == "bnot" {
			return x.Op + " " + exprText(x.X)
		}
		return x.Op + exprText(x.X)
	case *parse.BinOp:
		return exprText(x.L) + " " + x.Op + " " + exprText(x.R)
	case *parse.Remote:
		return exprText(x.Mod) + ":" + exprText(x.Fun)
	case *parse.Call:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = exprText(a)
		}
		return exprText(x.Fun) + "(" + strings.Join(args, ", ") + ")"
	}
	return "..."
}
