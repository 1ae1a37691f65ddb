package root

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

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
		// The root's PersistentPreRunE starts watching Ctrl-C (see
		// executeCmd); cobra runs only the nearest one.
		var walk func(*cobra.Command)
		walk = func(c *cobra.Command) {
			if c.PersistentPreRun != nil || c.PersistentPreRunE != nil {
				t.Errorf("%s has its own PersistentPreRun: Ctrl-C would not be watched", c.CommandPath())
			}
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(cmd)
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

// TestInterruptsWatchedWhenCommandRuns: Ctrl-C is watched once a command
// runs, not for --version, help or usage errors; an interrupt then
// cancels the command's context, with the exit code and message a
// cancelled context gave when avmsh watched signals from the start.
func TestInterruptsWatchedWhenCommandRuns(t *testing.T) {
	newFactory := func(calls *int) (*cmdutil.Factory, *bytes.Buffer) {
		var out, errOut bytes.Buffer
		f := testFactory(&out, &errOut)
		f.Getenv = func(k string) string {
			return map[string]string{"AVMSH_COOKIE": "c", "ERL_EPMD_PORT": "1"}[k]
		}
		f.Interrupts = func(ctx context.Context) (context.Context, context.CancelFunc) {
			*calls++
			ctx, cancel := context.WithCancel(ctx)
			cancel() // as if Ctrl-C came at once
			return ctx, cancel
		}
		return f, &errOut
	}
	for _, args := range [][]string{{"--version"}, {"--help"}, {"rpc", "--help"}, {"rpc", "--no-such-flag"}, {"rpc", "n"}, {"nosuch"}} {
		calls := 0
		f, _ := newFactory(&calls)
		executeArgs(context.Background(), f, args)
		if calls != 0 {
			t.Errorf("avmsh %q watched interrupts", args)
		}
	}
	args := []string{"rpc", "nobody@127.0.0.1", "erlang", "node", "--timeout", "5s"}
	calls := 0
	f, errOut := newFactory(&calls)
	code := executeArgs(context.Background(), f, args)
	if calls != 1 {
		t.Fatalf("avmsh %q: interrupts watched %d times, want once", args, calls)
	}
	// The same run with interrupts watched from the start.
	f2, errOut2 := newFactory(new(int))
	f2.Interrupts = nil
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code2 := executeArgs(ctx, f2, args)
	t.Logf("exit %d: %s", code, errOut)
	if code != code2 || errOut.String() != errOut2.String() || code == 0 {
		t.Errorf("interrupted rpc: exit %d %q, want exit %d %q", code, errOut, code2, errOut2)
	}
}
