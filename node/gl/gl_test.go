package gl

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type lines struct {
	mu      sync.Mutex
	l       []string
	prompts []string
}

func (l *lines) ReadLine(ctx context.Context, prompt string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prompts = append(l.prompts, prompt)
	if len(l.l) == 0 {
		return "", io.EOF
	}
	s := l.l[0]
	l.l = l.l[1:]
	return s, nil
}

func TestRemoteIOThroughGroupLeader(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := localnode.For(t, e)
	out := &erltest.SyncBuffer{}
	in := &lines{l: []string{"first line\n", "héllo wörld\n"}}
	srv, err := Start(n.Runtime(), Options{Out: out, In: in})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	gl := srv.Pid()
	call := func(m, f string, args ...term.Term) term.Term {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(10*time.Second))
		defer cancel()
		v, err := rpc.Call(ctx, n, term.Atom(e.Name), term.Atom(m), term.Atom(f), args, rpc.Options{GroupLeader: &gl})
		if err != nil {
			t.Fatalf("%s:%s: %v", m, f, err)
		}
		return v
	}
	call("io", "format", term.String("~p ~s~n"), term.List{term.Tuple{term.Atom("a"), term.Int(1)}, term.String("text")})
	call("io", "put_chars", term.Binary("bin ünicode\n"))
	call("io", "format", term.String("~ts and ~w~n"), term.List{term.String("日本"), term.List{term.Int(1), term.Int(2)}})
	call("io", "write", term.Atom("x"))
	call("io", "nl")
	want := "{a,1} text\nbin ünicode\n日本 and [1,2]\nx\n"
	if got := out.String(); got != want {
		t.Fatalf("output\n got %q\nwant %q", got, want)
	}
	if got := call("io", "get_line", term.String("prompt> ")); !term.ExactEqual(got, term.String("first line\n")) {
		t.Fatalf("get_line = %v", got)
	}
	if got := call("io", "get_line", term.Atom("p2> ")); !term.ExactEqual(got, term.String("héllo wörld\n")) {
		t.Fatalf("unicode get_line = %v", got)
	}
	if got := call("io", "get_line", term.String("")); got != term.Atom("eof") {
		t.Fatalf("get_line at end = %v", got)
	}
	if len(in.prompts) < 2 || in.prompts[0] != "prompt> " || in.prompts[1] != "p2> " {
		t.Fatalf("prompts %q", in.prompts)
	}
	if got := call("io", "columns"); !term.ExactEqual(got, term.Tuple{term.Atom("ok"), term.Int(80)}) {
		t.Fatalf("columns = %v", got)
	}
	// An unknown request gets {error, request}.
	if got := call("io", "request", term.Tuple{term.Atom("frobnicate")}); !term.ExactEqual(got, term.Tuple{term.Atom("error"), term.Atom("request")}) {
		t.Fatalf("unknown request = %v", got)
	}
}
