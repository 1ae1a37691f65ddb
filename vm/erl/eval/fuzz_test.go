package eval

import (
	"context"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/erl/parse"
)

// FuzzEval checks and evaluates arbitrary input: it must never panic or
// hang past its deadline, whatever the expression does.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"X = 1 + 2, X * 3.", "case {a, 1} of {a, N} when N > 0 -> N end.",
		"fun F(0) -> 1; F(N) -> N * F(N - 1) end(10).", "<<X:8/little, R/binary>> = <<1, 2, 3>>, {X, R}.",
		"[X || X <- [1, 2, 3], X > 1].", "<< <<X>> || <<X:4>> <= <<1, 2>> >>.",
		"try throw(a) catch throw:A:S -> {A, S} after ok end.", "#{a => 1}#{a := 2}.",
		"self() ! m, receive M -> M after 0 -> t end.", "lists:map(fun(X) -> X + 1 end, [1, 2]).",
		"catch 1 / 0.", "begin put(a, 1), get(a) end.", "<<1.5:16/float, \"ab\"/utf16>>.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := parse.String(s)
		if err != nil {
			return
		}
		if err := Check(es, nil); err != nil {
			_ = err.Error()
			return
		}
		ev := New(&fakeHost{}, Options{MaxCallDepth: 200})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, _, err = ev.Exprs(ctx, es, nil)
		if exc, ok := AsException(err); ok {
			_ = exc.Error()
		}
	})
}
