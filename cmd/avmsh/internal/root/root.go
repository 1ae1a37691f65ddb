package root

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	tuicmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/tui"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

// NewCmdRoot returns the root command with every subcommand attached.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	return newCmdRoot(f, tree{commands: commands(), root: true})
}

// tree is what newCmdRoot builds: the subcommands, and with root the
// root command's own parts: its flags (the dashboard's, which are not
// persistent), its version text and the completions of flag values
// (asked of the whole tree, by `avmsh __complete ...`).
type tree struct {
	commands []command
	root     bool
}

// newCmdRootFor returns the root command with the subcommands that
// running args needs: only the command args name (cobra finds nothing
// else) and all of them otherwise (help, completion, plugins, unknown
// names, flags before the command); a lone --version builds none
// (executeArgs).
// Building every command (help texts, flags) took a third of a
// millisecond of each avmsh run.
func newCmdRootFor(f *cmdutil.Factory, args []string) *cobra.Command {
	all := commands()
	switch {
	case len(args) > 0:
		for _, c := range all {
			if c.name == args[0] && !c.tree {
				root := newCmdRoot(f, tree{commands: []command{c}})
				// Only reachable as `avmsh completion`: not this run.
				root.CompletionOptions.DisableDefaultCmd = true
				return root
			}
		}
	}
	return newCmdRoot(f, tree{commands: all, root: true})
}

// versionText is what --version prints.
func versionText(f *cmdutil.Factory) string {
	b := f.Build
	if b.Version == "" {
		b.Version = f.Version
	}
	return b.VersionText()
}

func newCmdRoot(f *cmdutil.Factory, t tree) *cobra.Command {
	dash := &tuicmd.Options{}
	cmd := &cobra.Command{
		Use:   "avmsh",
		Short: "Terminal tool and REPL for AtomVM and BEAM Erlang clusters",
		Long: `avmsh embeds a real Erlang distribution node. It finds nodes (epmd on hosts,
serial-attached ESP32/Pico boards), connects to them over TCP, TLS or serial,
and lets you call, message, monitor and shell into them.

Run with no arguments to open the dashboard on a local embedded node.`,
		Example: `  avmsh                                  # dashboard on an embedded local node
  avmsh --name me@127.0.0.1 --cookie c   # ... seeing long-name nodes
  avmsh shell app@127.0.0.1              # an Erlang shell on a node
  avmsh rpc app erlang memory -o json    # scripted call
  avmsh devices                          # serial boards
  avmsh epmd                             # run an epmd server in the foreground`,
		Version:       f.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			// The main job: the dashboard, on a terminal. Piped or
			// redirected, print the help instead.
			if !f.IO.IsTerminal || !f.IO.InIsTerminal {
				return c.Help()
			}
			return tuicmd.Run(c.Context(), f, dash)
		},
	}
	if t.root {
		dash.AddFlags(cmd)
		cmd.SetVersionTemplate(versionText(f))
	}
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
	})
	for _, c := range t.commands {
		cmd.AddCommand(c.new(f))
	}
	if t.root {
		cmdutil.RegisterCompletions(cmd)
		cmd.ValidArgsFunction = completePlugins(f)
	}
	return cmd
}

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, f *cmdutil.Factory) int {
	return executeArgs(ctx, f, os.Args[1:])
}

// executeArgs runs avmsh with args: a plugin when they name one that is
// no built-in command (see dispatch), the command tree otherwise.
func executeArgs(ctx context.Context, f *cmdutil.Factory, args []string) int {
	if len(args) == 1 && args[0] == "--version" {
		// What cobra's --version prints (TestPartialTree), without
		// building the root command, parsing flags or running cobra's
		// text/template (issue 16: start-up).
		fmt.Fprint(f.IO.Out, versionText(f))
		return 0
	}
	cmd := newCmdRootFor(f, args)
	if code, ok := dispatch(ctx, f, cmd, args); ok {
		return code
	}
	cmd.SetArgs(args)
	return executeCmd(ctx, f, cmd)
}

func executeCmd(ctx context.Context, f *cmdutil.Factory, cmd *cobra.Command) int {
	// Interrupts are watched from the moment the command runs, once its
	// flags and arguments are accepted (see Factory.WatchInterrupts).
	// cobra runs only the nearest PersistentPreRunE: no command has its
	// own (TestCommandNames).
	stop := func() {}
	defer func() { stop() }()
	cmd.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		var ictx context.Context
		ictx, stop = f.WatchInterrupts(c.Context())
		if !cmdutil.WaitsForInterruptsLater(c) {
			cmdutil.InterruptsReady(ictx)
		}
		c.SetContext(ictx)
		return nil
	}
	c, err := cmd.ExecuteContextC(ctx)
	if c != nil && c.Context() != nil {
		ctx = c.Context() // cancelled when the command was interrupted
	}
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		err = unknownCommand(f, cmd, err)
	}
	return cmdutil.Status(ctx, f.IO.ErrOut, err)
}
