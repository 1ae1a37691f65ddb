package remsh_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/remsh"
	"github.com/avmsh/avmsh/vm/term"
)

// TestRemoteShell runs the OTP shell of a real erl node with avmsh's I/O
// server as its terminal: multi-line input, bindings, records (rd),
// remote io:format and exceptions print exactly as in erl -remsh.
func TestRemoteShell(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := localnode.For(t, e)
	input := "X = 1 +\n 2.\nX * 2.\nrd(pt, {x = 0, y}).\n#pt{y = 5}.\nio:format(\"hi ~p~n\", [X]).\nlists:nth(5, [a]).\n[Y || Y <- lists:seq(1, 5), Y rem 2 =:= 1].\n"
	var out erltest.SyncBuffer
	ended := make(chan struct{})
	var once sync.Once
	sc := &remsh.Scanner{Node: n, Target: term.Atom(e.Name), OnEOF: func() { once.Do(func() { close(ended) }) }}
	srv, err := gl.Start(n.Runtime(), gl.Options{Out: &out, In: gl.NewReaderInput(strings.NewReader(input), &out), GetUntil: sc.GetUntil})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(30*time.Second))
	defer cancel()
	s, err := remsh.Start(ctx, n, term.Atom(e.Name), srv.Pid())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	select {
	case <-ended:
	case reason := <-s.Done():
		t.Fatalf("the shell ended (%v) before the input did; output:\n%s", reason, out.String())
	case <-ctx.Done():
		t.Fatalf("the input never ended; output:\n%s", out.String())
	}
	s.Stop()
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("the shell did not stop")
	}
	// The target survives the end of the session (erl's shell would halt
	// its node on eof; avmsh never passes the eof on).
	if got := e.Eval(t, "1 + 1"); got != "2" {
		t.Fatalf("the target node did not survive the session: %s", got)
	}
	got := out.String()
	for _, want := range []string{
		"(" + e.Name + ")1> ", "3\n", "(" + e.Name + ")2> 6\n", "pt\n", "#pt{x = 0,y = 5}\n", "hi 3\nok\n",
		"** exception error: no function clause matching lists:nth(", "[1,3,5]\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in the shell's output:\n%s", want, got)
		}
	}
}
