package shellhost_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

// TestProcessConformance runs testdata/process.txt (the shell process:
// messages, links, monitors, trap_exit, exit signals, spawns on the
// target) through a real erl shell and through avmsh's evaluator whose
// module calls go to a real BEAM node: the printed output of every
// command must be identical.
func TestProcessConformance(t *testing.T) {
	cmds := erltest.LoadShellCommands(t, "testdata/process.txt")
	// Bad arguments to the BIFs the host runs on the shell process:
	// compared without erl's "*** argument N: ..." line, which
	// vm/erl/shellfmt does not build for these BIFs yet.
	badargs := []string{"link(foo).", "unlink(\"x\").", "process_flag(trap_exit, maybe).", "monitor(process, 42).",
		"demonitor(1).", "register(my, 1).", "spawn_link(1, 2, 3).", "spawn_monitor(m, f, x)."}
	nTable := len(cmds)
	cmds = append(cmds, badargs...)
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(50*time.Second))
	defer cancel()
	want, err := erltest.RunShell(ctx, cmds)
	if err != nil {
		t.Fatalf("reference erl shell: %v", err)
	}
	e := erltest.Start(t, erltest.Options{})
	n, reg := startNode(t, e.EpmdPort, e.Cookie)
	var out syncWriter
	out.w = &strings.Builder{}
	srv, err := gl.Start(n.Runtime(), gl.Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	glPid := srv.Pid()
	s, h, err := shellhost.NewSession(n, term.Atom(e.Name), shellhost.Options{Timeout: erltest.Timeout(10 * time.Second), GroupLeader: &glPid, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for i, c := range cmds {
		got, err := s.Eval(ctx, c+"\n")
		if err != nil {
			t.Fatalf("command %d %q: %v", i+1, c, err)
		}
		g, w := erltest.NormaliseShell(got), erltest.NormaliseShell(want[i])
		if i >= nTable {
			w = argLine.ReplaceAllString(w, "")
		}
		if g != w {
			t.Errorf("command %d: %s\n--- erl shell:\n%s--- avmsh:\n%s", i+1, c, w, g)
		}
	}
}

var argLine = regexp.MustCompile(`(?m)^ +\*\*\* argument \d+: .*\n`)
