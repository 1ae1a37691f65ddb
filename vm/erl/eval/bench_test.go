package eval

import (
	"context"
	"testing"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

// BenchWorkloads are the expressions of the shell evaluator benchmarks
// (also run against OTP's erl_eval by bench/erleval): each iteration
// scans, parses, checks and evaluates Src with bindings L (the list
// 1..1000) and B (a 1 KiB binary).
var benchWorkloads = []struct{ name, src string }{
	{"arith", "X = 1 + 2 * 3, Y = X div 2, {X, Y}."},
	{"match", "{ok, [P, Q | _], #{k := V}} = {ok, [1, 2, 3], #{k => v}}, {P, Q, V}."},
	{"fib20", "fun Fib(0) -> 0; Fib(1) -> 1; Fib(N) -> Fib(N - 1) + Fib(N - 2) end(20)."},
	{"lc1000", "[X * X || X <- L, X rem 3 =:= 0]."},
	{"bin1k", "<< <<(X bxor 255):8>> || <<X>> <= B >>."},
	{"loop100k", "fun Lp(0, A) -> A; Lp(N, A) -> Lp(N - 1, A + N) end(100000, 0)."},
}

func benchBindings() *Bindings {
	l := make(term.List, 1000)
	for i := range l {
		l[i] = term.Int(i + 1)
	}
	b := make(term.Binary, 1024)
	for i := range b {
		b[i] = byte(i)
	}
	return NewBindings(Binding{"L", l}, Binding{"B", b})
}

func BenchmarkParseEval(b *testing.B) {
	bs := benchBindings()
	for _, w := range benchWorkloads {
		b.Run(w.name, func(b *testing.B) {
			ev := New(&fakeHost{}, Options{})
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				es, err := parse.String(w.src)
				if err != nil {
					b.Fatal(err)
				}
				if err := Check(es, bs); err != nil {
					b.Fatal(err)
				}
				if _, _, err := ev.Exprs(ctx, es, bs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseOnly(b *testing.B) {
	src := "case {ok, [1, 2, 3]} of {ok, [H | T]} when is_integer(H), length(T) > 1 -> lists:foldl(fun(X, A) -> X + A end, H, T); _ -> error end."
	for i := 0; i < b.N; i++ {
		if _, err := parse.String(src); err != nil {
			b.Fatal(err)
		}
	}
}
