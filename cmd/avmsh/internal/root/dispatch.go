package root

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/plugins"
)

// pluginFlags are the flags avmsh takes before a plugin's name: `avmsh
// [FLAGS] NAME [ARGS...]`. Everything after NAME is the plugin's.
type pluginFlags struct {
	cmdutil.NodeOptions
	Target string
	Output string
}

func (o *pluginFlags) flagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("avmsh", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	o.AddNodeFlags(fs)
	fs.StringVar(&o.Target, "target", "", "the node a plugin talks to (AVMSH_TARGET)")
	fs.StringVarP(&o.Output, "output", "o", "", "the output format a plugin should use (AVMSH_OUTPUT)")
	return fs
}

// dispatch runs the plugin that args name, if they name one that is not
// a built-in command, and returns its exit status; handled is false when
// the arguments are for cobra (a built-in command, flags avmsh alone
// takes, no plugin of that name).
func dispatch(ctx context.Context, f *cmdutil.Factory, root *cobra.Command, args []string) (code int, handled bool) {
	var o pluginFlags
	fs := o.flagSet()
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return 0, false
	}
	name := fs.Arg(0)
	if cmdutil.IsBuiltin(root, name) || !plugins.ValidName(name) {
		return 0, false
	}
	p, err := cmdutil.PluginFinder(f, root).Find(name)
	var ne *plugins.NotExecutableError
	switch {
	case errors.As(err, &ne):
		return cmdutil.Status(ctx, f.IO.ErrOut, cmdutil.UsageError("%v", err)), true
	case err != nil:
		return 0, false
	}
	pc, err := o.context(f, fs, name)
	if err != nil {
		return cmdutil.Status(ctx, f.IO.ErrOut, err), true
	}
	ctx, stop := f.WatchInterrupts(ctx)
	defer stop()
	cmdutil.InterruptsReady(ctx)
	code, err = f.Plugin(ctx, p, fs.Args()[1:], pc.Environ(f.Env()))
	if err != nil {
		return cmdutil.Status(ctx, f.IO.ErrOut, cmdutil.UsageError("%v", err)), true
	}
	return code, true
}

// context resolves the flags and the environment into the plugin's
// context. The cookie is not read: the plugin learns where it comes
// from, and gets it in its environment only when it was given with
// --cookie (see docs/plugins.md).
func (o *pluginFlags) context(f *cmdutil.Factory, fs *pflag.FlagSet, name string) (plugins.Context, error) {
	c := plugins.Context{Name: name, Version: f.Version, Target: o.Target, Output: o.Output}
	if bin, err := os.Executable(); err == nil {
		c.Bin = bin
	}
	switch {
	case o.Name != "":
		c.Node, c.LongName = o.Name, true
	case o.SName != "":
		c.Node = o.SName
	}
	switch {
	case o.Cookie != "":
		c.CookieSource, c.Cookie = "flag", o.Cookie
	case f.Getenv("AVMSH_COOKIE") != "":
		c.CookieSource = "env"
	default:
		if home, err := f.HomeDirectory(); err == nil {
			c.CookieSource, c.CookieFile = "file", filepath.Join(home, ".erlang.cookie")
		}
	}
	port, err := epmd.EnvPort(f.Getenv)
	if err != nil {
		return c, cmdutil.UsageError("%v", err)
	}
	c.EpmdPort = port
	if fs.Changed("timeout") {
		c.Timeout = o.Timeout
	}
	if o.Output == "" {
		c.Output = f.Getenv("AVMSH_OUTPUT")
	}
	if c.Target == "" {
		c.Target = f.Getenv("AVMSH_TARGET")
	}
	return c, nil
}

// unknownCommand adds where plugins are looked for to cobra's "unknown
// command" error.
func unknownCommand(f *cmdutil.Factory, root *cobra.Command, err error) error {
	dir := cmdutil.PluginFinder(f, root).Dir()
	if dir == "" {
		return fmt.Errorf("%w\nhint: plugins are executables named avmsh-NAME on PATH; 'avmsh plugin list' lists them", err)
	}
	return fmt.Errorf("%w\nhint: plugins are executables named avmsh-NAME on PATH or in %s; 'avmsh plugin list' lists them", err, dir)
}

// completePlugins completes the first argument with the plugins that
// would run (cobra adds the built-in commands).
func completePlugins(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, p := range cmdutil.PluginFinder(f, cmd.Root()).List() {
			if p.Executable && p.ShadowedBy == "" && strings.HasPrefix(p.Name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(p.Name, "plugin "+p.Path))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
