package shellhost_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

// startNode starts a hidden avmsh node that finds peers through the
// test's private epmd and serves the built-in modules.
func startNode(t testing.TB, epmdPort int, cookie string) (*node.Node, *rpc.Registry) {
	t.Helper()
	n := localnode.Start(t, epmdPort, cookie)
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, "test")
	if err := rpc.Serve(n, reg); err != nil {
		t.Fatal(err)
	}
	return n, reg
}

// TestConformanceOverDistribution runs the shell conformance table
// (vm/erl/testdata/conformance.txt, ≥ 250 commands) through a real erl
// shell and through the Go evaluator whose module calls go to a real
// BEAM node over distribution (erpc), as `avmsh shell` does for AtomVM
// targets; every printed result and exception text must be identical.
func TestConformanceOverDistribution(t *testing.T) {
	cmds := erltest.LoadShellCommands(t, "../../vm/erl/testdata/conformance.txt")
	if len(cmds) < 250 {
		t.Fatalf("conformance table has %d commands, want >= 250", len(cmds))
	}
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(120*time.Second))
	defer cancel()
	want, err := erltest.RunShell(ctx, cmds)
	if err != nil {
		t.Fatalf("reference erl shell: %v", err)
	}
	e := erltest.Start(t, erltest.Options{})
	n, _ := startNode(t, e.EpmdPort, e.Cookie)
	var out strings.Builder // remote io:format output lands here
	srv, err := gl.Start(n.Runtime(), gl.Options{Out: &syncWriter{w: &out}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	glPid := srv.Pid()
	s, h, err := shellhost.NewSession(n, term.Atom(e.Name), shellhost.Options{Timeout: erltest.Timeout(30 * time.Second), GroupLeader: &glPid})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	failures := 0
	for i, c := range cmds {
		got, err := s.Eval(ctx, erltest.Latin1Decode(c)+"\n")
		if err != nil {
			t.Fatalf("command %d %q: %v", i+1, c, err)
		}
		g, w := erltest.NormaliseShell(erltest.Latin1(got)), erltest.NormaliseShell(want[i])
		if d, ok := remoteDifferences[c]; ok {
			if g != d {
				t.Errorf("command %d: %s: %q, want the documented %q", i+1, c, g, d)
			}
			continue
		}
		if g != w {
			failures++
			if failures <= 25 {
				t.Errorf("command %d: %s\n--- erl shell:\n%s--- avmsh over distribution:\n%s", i+1, c, w, g)
			}
		}
	}
	t.Logf("%d commands through %s over distribution, %d differ", len(cmds), e.Name, failures)
}

// remoteDifferences are the commands whose answer differs on purpose
// when the shell process is avmsh's and the target another node
// (docs/shell.md, "node() with avmsh's evaluator"): node() is the
// target's, self() is avmsh's.
var remoteDifferences = map[string]string{
	"node(self()) == node().": "false\n",
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
