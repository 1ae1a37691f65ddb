package erl_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/erl/internal/erlhost"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/erl/shellfmt"
)

// TestConformanceWithErlShell runs the conformance table through a real
// erl shell and through a shell.Session whose module calls run on a real
// BEAM node, and requires identical output for every command.
func TestConformanceWithErlShell(t *testing.T) {
	erltest.Require(t)
	if p := os.Getenv("ERL_CONFORMANCE_FILE"); p != "" {
		conform(t, p) // exploratory runs on another table
		return
	}
	t.Run("conformance", func(t *testing.T) {
		if cmds := erltest.LoadShellCommands(t, "testdata/conformance.txt"); len(cmds) < 250 {
			t.Fatalf("conformance table has %d commands, want >= 250", len(cmds))
		}
		conform(t, "testdata/conformance.txt")
	})
	// The shell's history commands, in a session of their own (their
	// results depend on command numbers).
	t.Run("history", func(t *testing.T) { conform(t, "testdata/history.txt") })
}

// conform runs the table at path through both shells.
func conform(t *testing.T, path string) {
	cmds := erltest.LoadShellCommands(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	want, err := erltest.RunShell(ctx, cmds)
	if err != nil {
		t.Fatalf("reference erl shell: %v", err)
	}

	node := erltest.Start(t, erltest.Options{})
	host, err := erlhost.New(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	s := shell.New(host, shell.Options{Format: shellfmt.Options{Node: host.NodeContext()}})
	failures := 0
	for i, c := range cmds {
		// The erl shell reads a pipe as latin1: one character per byte.
		got, err := s.Eval(ctx, erltest.Latin1Decode(c)+"\n")
		if err != nil {
			t.Fatalf("command %d %q: %v", i+1, c, err)
		}
		g, w := erltest.NormaliseShell(erltest.Latin1(got)), erltest.NormaliseShell(want[i])
		if g != w {
			failures++
			t.Errorf("command %d: %s\n--- erl shell:\n%s--- avmsh:\n%s", i+1, c, w, g)
		}
	}
	t.Logf("%d commands, %d differ", len(cmds), failures)
}
