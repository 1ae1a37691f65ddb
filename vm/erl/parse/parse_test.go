package parse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/syntax"
)

// sexp renders an expression tree for structural comparisons.
func sexp(e Expr) string {
	switch x := e.(type) {
	case *Var:
		return x.Name
	case *Lit:
		return syntax.Write(x.Val, syntax.Options{})
	case *Nil:
		return "[]"
	case *Cons:
		return "[" + sexp(x.Head) + "|" + sexp(x.Tail) + "]"
	case *Tuple:
		return "{" + list(x.Elems) + "}"
	case *BinOp:
		return "(" + x.Op + " " + sexp(x.L) + " " + sexp(x.R) + ")"
	case *UnOp:
		return "(" + x.Op + " " + sexp(x.X) + ")"
	case *Match:
		return "(= " + sexp(x.Pat) + " " + sexp(x.X) + ")"
	case *Remote:
		return sexp(x.Mod) + ":" + sexp(x.Fun)
	case *Call:
		return "(call " + sexp(x.Fun) + " " + list(x.Args) + ")"
	case *CatchExpr:
		return "(catch " + sexp(x.X) + ")"
	case *Map:
		var fs []string
		for _, f := range x.Fields {
			op := "=>"
			if f.Exact {
				op = ":="
			}
			fs = append(fs, sexp(f.Key)+op+sexp(f.Value))
		}
		base := ""
		if x.Base != nil {
			base = sexp(x.Base)
		}
		return base + "#{" + strings.Join(fs, ",") + "}"
	case *Bin:
		var es []string
		for _, el := range x.Elems {
			s := sexp(el.Value)
			if el.Size != nil {
				s += ":" + sexp(el.Size)
			}
			for i, t := range el.Types {
				if i == 0 {
					s += "/"
				} else {
					s += "-"
				}
				s += t.Name
				if t.HasArg {
					s += fmt.Sprintf(":%d", t.Arg)
				}
			}
			es = append(es, s)
		}
		return "<<" + strings.Join(es, ",") + ">>"
	case *Fun:
		return "(fun " + x.Name + clauses(x.Clauses) + ")"
	case *FunRef:
		if x.Mod == nil {
			return "(fun " + x.Name + "/" + sexp(x.Arity) + ")"
		}
		return "(fun " + sexp(x.Mod) + ":" + sexp(x.Fun) + "/" + sexp(x.Arity) + ")"
	case *Case:
		return "(case " + sexp(x.X) + clauses(x.Clauses) + ")"
	case *If:
		return "(if" + clauses(x.Clauses) + ")"
	case *Receive:
		s := "(receive" + clauses(x.Clauses)
		if x.After != nil {
			s += " after " + sexp(x.After) + " -> " + list(x.AfterBody)
		}
		return s + ")"
	case *Try:
		s := "(try " + list(x.Body)
		if x.Clauses != nil {
			s += " of" + clauses(x.Clauses)
		}
		if x.Catches != nil {
			s += " catch" + clauses(x.Catches)
		}
		if x.After != nil {
			s += " after " + list(x.After)
		}
		return s + ")"
	case *Block:
		return "(begin " + list(x.Body) + ")"
	case *Generator:
		op := "<-"
		if x.Bin {
			op = "<="
		}
		return sexp(x.Pat) + " " + op + " " + sexp(x.X)
	case *Comp:
		if x.Bin {
			return "<<" + sexp(x.Elem) + " || " + list(x.Quals) + ">>"
		}
		return "[" + sexp(x.Elem) + " || " + list(x.Quals) + "]"
	case *Record:
		return "#" + x.Name
	}
	return fmt.Sprintf("?%T", e)
}

func list(es []Expr) string {
	var s []string
	for _, e := range es {
		s = append(s, sexp(e))
	}
	return strings.Join(s, ", ")
}

func clauses(cs []Clause) string {
	var s string
	for _, c := range cs {
		s += " [" + list(c.Pats)
		for i, g := range c.Guard {
			if i == 0 {
				s += " when "
			} else {
				s += "; "
			}
			s += list(g)
		}
		s += " -> " + list(c.Body) + "]"
	}
	return s
}

func TestPrecedence(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1 + 2 * 3.", "(+ 1 (* 2 3))"},
		{"1 - 2 - 3.", "(- (- 1 2) 3)"},
		{"a ++ b ++ c.", "(++ a (++ b c))"},
		{"a -- b ++ c.", "(-- a (++ b c))"},
		{"X = Y = 1.", "(= X (= Y 1))"},
		{"P ! Q ! m.", "(! P (! Q m))"},
		{"a orelse b orelse c.", "(orelse a (orelse b c))"},
		{"a andalso b orelse c.", "(orelse (andalso a b) c)"},
		{"1 < 2 andalso 3 > 2.", "(andalso (< 1 2) (> 3 2))"},
		{"1 + 2 == 3.", "(== (+ 1 2) 3)"},
		{"- 1 + 2.", "(+ (- 1) 2)"},
		{"not a and b.", "(and (not a) b)"},
		{"a or b and c.", "(or a (and b c))"},
		{"1 bsl 2 + 3 band 4.", "(+ (bsl 1 2) (band 3 4))"},
		{"- - 1.", "(- (- 1))"},
		{"catch 1 + 1.", "(catch (+ 1 1))"},
		{"X = catch 1.", "(= X (catch 1))"},
		{"1 + catch 1 + 1.", "(+ 1 (catch (+ 1 1)))"},
		{"m:f(1, 2).", "(call m:f 1, 2)"},
		{"M:F().", "(call M:F )"},
		{"F(1).", "(call F 1)"},
		{"(F)(1).", "(call F 1)"},
		{"fun(X) -> X end(1).", "(call (fun  [X -> X]) 1)"},
		{"#{a => 1}#{b := 2}.", "#{a=>1}#{b:=2}"},
		{"M#{a => 1}.", "M#{a=>1}"},
		{"- #{}.", "(- #{})"},
		{"[1, 2 | T].", "[1|[2|T]]"},
		{"\"ab\" \"cd\".", "[97,98,99,100]"},
		{"<<X:8/little-signed, Y/binary, Z:4/unit:8>>.", "<<X:8/little-signed,Y/binary,Z:4/unit:8>>"},
		{"<<-1, (X)>>.", "<<(- 1),X>>"},
		{"[X || X <- L, X > 1].", "[X || X <- L, (> X 1)]"},
		{"<< <<X>> || <<X>> <= B >>.", "<<<<X>> || <<X>> <= B>>"},
		{"fun F(0) -> 1; F(N) -> N end.", "(fun F [0 -> 1] [N -> N])"},
		{"fun m:f/2.", "(fun m:f/2)"},
		{"fun M:F/A.", "(fun M:F/A)"},
		{"fun f/0.", "(fun f/0)"},
		{"case X of {a, Y} when Y > 0; Y < -1 -> Y; _ -> 0 end.", "(case X [{a, Y} when (> Y 0); (< Y (- 1)) -> Y] [_ -> 0])"},
		{"if X -> 1; true -> 2 end.", "(if [ when X -> 1] [ when true -> 2])"},
		{"receive a -> 1 after 10 -> 2 end.", "(receive [a -> 1] after 10 -> 2)"},
		{"receive after 0 -> ok end.", "(receive after 0 -> ok)"},
		{"try f() of 1 -> a catch error:R:S -> R; T -> T after g() end.", "(try (call f ) of [1 -> a] catch [{error, R, S} -> R] [{throw, T, _} -> T] after (call g ))"},
		{"try a after b end.", "(try a after b)"},
		{"begin 1, 2 end.", "(begin 1, 2)"},
		{"#r{a = 1}.", "#r"},
		{"X#r.f.", "#r"},
		{"1, 2.", "1, 2"},
	} {
		es, err := String(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := list(es); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// The messages are erl_parse's (see also the conformance table).
func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"foo(.", "1:5: syntax error before: '.'"},
		{"(1 2).", "1:4: syntax error before: 2"},
		{`foo(a "ab").`, `1:7: syntax error before: "ab"`},
		{"1 +\n  ).", "2:3: syntax error before: ')'"},
		{"1 < 2 < 3.", "1:7: syntax error before: '<'"},
		{"F(1)(2).", "1:5: syntax error before: '('"},
		{"begin end.", "1:7: syntax error before: 'end'"},
		{"cond.", "1:1: syntax error before: 'cond'"},
		{"fun foo/a.", "1:9: syntax error before: a"},
		{"fun (X) -> X; (X, Y) -> X end.", "1:15: head mismatch"},
		{"1 ?= 2.", "1:3: syntax error before: '?='"},
		{"a:b:c.", "1:4: syntax error before: ':'"},
		{"X = .", "1:5: syntax error before: '.'"},
		{"1. 2.", "1:4: syntax error before: 2"},
	} {
		_, err := String(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %s", c.in, err, c.want)
		}
	}
}

func TestDepthBound(t *testing.T) {
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "."
	if _, err := String(deep); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("deep nesting: %v", err)
	}
	ok := strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200) + "."
	if _, err := String(ok); err != nil {
		t.Fatalf("moderate nesting: %v", err)
	}
}

func FuzzExprs(f *testing.F) {
	for _, s := range []string{
		"X = 1 + 2.", "case X of {a, Y} when Y > 0 -> Y end.", "fun F(0) -> 1; F(N) -> N * F(N-1) end.",
		"<<X:8/little, Rest/binary>> = B.", "[X || X <- L, X > 1].", "try f() catch E:R:S -> R after ok end.",
		"#{a => 1, b := 2}.", "receive X -> X after 100 -> t end.", "M#{k := v}.", "begin 1, 2 end.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := String(s)
		if err == nil {
			_ = list(es)
		} else {
			_ = err.Error()
		}
	})
}
