package root

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

func testFactory(out, errOut *bytes.Buffer) *cmdutil.Factory {
	return &cmdutil.Factory{
		Version: "test",
		IO:      &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		Getenv:  func(string) string { return "" },
		HomeDir: func() (string, error) { return "/nonexistent", nil },
		Environ: func() []string { return nil },
	}
}

// TestCommandNames checks the names of the command table against the
// commands its constructors build: newCmdRootFor picks a command by
// that name before building it.
func TestCommandNames(t *testing.T) {
	f := testFactory(&bytes.Buffer{}, &bytes.Buffer{})
	seen := map[string]bool{}
	for _, c := range commands() {
		cmd := c.new(f)
		if cmd.Name() != c.name || len(cmd.Aliases) > 0 {
			t.Errorf("table entry %q builds command %q (aliases %q)", c.name, cmd.Name(), cmd.Aliases)
		}
		if seen[c.name] {
			t.Errorf("command %q listed twice", c.name)
		}
		seen[c.name] = true
	}
	var names []string
	for _, c := range NewCmdRoot(f).Commands() {
		names = append(names, c.Name())
	}
	for name := range seen {
		if !slices.Contains(names, name) {
			t.Errorf("NewCmdRoot lacks %q", name)
		}
	}
}

// TestPartialTree checks that a command run in the tree newCmdRootFor
// builds for it behaves as in the whole tree: the same help, the same
// usage errors and exit codes, the same --version.
func TestPartialTree(t *testing.T) {
	runIn := func(full bool, args ...string) run {
		var out, errOut bytes.Buffer
		f := testFactory(&out, &errOut)
		var code int
		if full {
			cmd := NewCmdRoot(f)
			cmd.SetArgs(args)
			code = executeCmd(context.Background(), f, cmd)
		} else {
			code = executeArgs(context.Background(), f, args)
		}
		return run{code, out.String(), errOut.String()}
	}
	cases := [][]string{{"--version"}}
	for _, c := range commands() {
		cases = append(cases,
			[]string{c.name, "--help"},
			[]string{c.name, "--no-such-flag"},
		)
	}
	cases = append(cases, []string{"rpc"}, []string{"rpc", "n", "m"}, []string{"send", "n"}, []string{"eval"})
	for _, args := range cases {
		want, got := runIn(true, args...), runIn(false, args...)
		if got != want {
			t.Errorf("avmsh %q\nin the whole tree: %+v\nin its own tree:   %+v", args, want, got)
		}
		if args[len(args)-1] == "--help" && (want.code != 0 || !strings.Contains(want.out, "Usage:")) {
			t.Errorf("avmsh %q: %+v", args, want)
		}
	}
	// Commands that look at their siblings, and anything else than a
	// command name first, get the whole tree.
	f := testFactory(&bytes.Buffer{}, &bytes.Buffer{})
	all := len(commands())
	for _, args := range [][]string{{"plugin", "list"}, {"help", "rpc"}, {"--help"}, {"-v", "rpc"}, {"nosuch"}, {}, {"__complete", "r"}} {
		// cobra adds help and completion when it runs, not here.
		if n := len(newCmdRootFor(f, args).Commands()); n != all {
			t.Errorf("avmsh %q: built %d commands, want all %d", args, n, all)
		}
	}
	if n := len(newCmdRootFor(f, []string{"rpc", "x"}).Commands()); n != 1 {
		t.Errorf("avmsh rpc: built %d commands, want 1", n)
	}
}
