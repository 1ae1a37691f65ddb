package shell

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/erl/eval"
)

// FuzzSession runs arbitrary input through a shell session, several
// commands at a time, as `avmsh shell` does: no input may make the
// session panic (an InternalError is the recovered panic: a defect), and
// the session must still evaluate a command afterwards.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"[v(X) || X <- [1]].", "a. b. [e(X) || X <- [1]].", "X = 1. v(1). e(1). h(). b(). f(X). f().",
		"history(1). results(0). v(-1).", "<< <<(v(1))>> || _ <- [1] >>.", "fun() -> e(1) end().",
		"receive after 0 -> v(1) end.", "try e(99) catch _ -> x end.", "#{v(1) => e(1)}.",
		"case v(1) of _ -> ok end.", "self() ! x, flush().", "1 + .", "\"unterminated",
		"history(a). results(-1). v(a). e(1 + 0).",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s := New(&memHost{}, Options{Eval: eval.Options{MaxCallDepth: 200}})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := s.Eval(ctx, "a.\n"+src+"\n")
		var ie *InternalError
		if errors.As(err, &ie) {
			t.Fatalf("%q: %v\n%s", src, err, ie.Stack)
		}
		if out, err := s.Eval(context.Background(), "ok.\n"); err != nil || out != "ok\n" {
			t.Fatalf("after %q: %q, %v", src, out, err)
		}
	})
}
