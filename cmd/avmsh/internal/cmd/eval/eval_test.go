package evalcmd_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	evalcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/eval"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

func TestEvalAgainstAFakeNode(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	r := e.Run(evalcmd.NewCmdEval, "", name, "X = fake:echo(20), X + 1.")
	if r.Code != 0 || r.Out != "21\n" {
		t.Fatalf("eval: %+v", r)
	}
	r = e.Run(evalcmd.NewCmdEval, "", name, "fake:fail(error, badarg).")
	if r.Code != cmdutil.ExitRemote || !strings.Contains(r.Out, "** exception error: bad argument") {
		t.Fatalf("eval exception: %+v", r)
	}
	r = e.Run(evalcmd.NewCmdEval, "", name, "timer:sleep(60000).", "--timeout", "200ms")
	if r.Code != cmdutil.ExitTimeout || !strings.Contains(r.Err, "timed out") {
		t.Fatalf("eval timeout: %+v", r)
	}
	r = e.Run(evalcmd.NewCmdEval, "", "nobody@127.0.0.1", "1.")
	if r.Code != cmdutil.ExitUnreachable {
		t.Fatalf("eval unreachable: %+v", r)
	}
	script := filepath.Join(t.TempDir(), "s.erl")
	if err := os.WriteFile(script, []byte("A = 6.\nA * 7.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.Run(evalcmd.NewCmdEval, "", name, "@"+script)
	if r.Code != 0 || r.Out != "6\n42\n" {
		t.Fatalf("eval @FILE: %+v", r)
	}
	r = e.Run(evalcmd.NewCmdEval, "", name)
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "missing 'EXPRS.'") {
		t.Fatalf("eval without arguments: %+v", r)
	}
}

// Invalid UTF-8 is refused (as rpc refuses it), not turned into U+FFFD.
func TestEvalRefusesInvalidUTF8(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	for _, c := range []struct{ stdin, src string }{
		{"", "\"caf\xe9\"."},
		{"<<\"\xff\">>.", "-"},
	} {
		r := e.Run(evalcmd.NewCmdEval, c.stdin, string(p.Name()), c.src)
		if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "not valid UTF-8") || r.Out != "" {
			t.Errorf("eval %q (stdin %q): %+v", c.src, c.stdin, r)
		}
	}
}

// stdin beyond 16 MiB is read whole (it used to be cut there silently).
func TestEvalReadsAllOfStdin(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	pad := strings.Repeat(" ", 1<<10) + "\n"
	stdin := io.MultiReader(strings.NewReader(strings.Repeat(pad, 17<<10)), strings.NewReader("6 * 7.\n"))
	r := e.RunContext(t.Context(), evalcmd.NewCmdEval, stdin, string(p.Name()), "-")
	if r.Code != 0 || r.Out != "42\n" {
		t.Fatalf("eval of 17 MiB from stdin: %+v", r)
	}
}
