package plugincmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/plugins"
)

// NewCmdPlugin returns `avmsh plugin` and its subcommands.
func NewCmdPlugin(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "List and create exec plugins (avmsh-NAME executables)",
		Long: heredoc.Doc(`
			An executable named avmsh-NAME on PATH, or in avmsh's plugin directory
			($XDG_DATA_HOME/avmsh/plugins, by default ~/.local/share/avmsh/plugins),
			runs as 'avmsh NAME ARGS...', like gh extensions and kubectl plugins.
			Built-in commands always win. avmsh's flags before NAME (--sname, --name,
			--cookie, --target, --output, --timeout) become the plugin's context, in
			its environment: AVMSH_NODE, AVMSH_TARGET, AVMSH_COOKIE_SOURCE,
			ERL_EPMD_PORT, AVMSH_OUTPUT... (docs/plugins.md).
		`),
		Example: heredoc.Doc(`
			$ avmsh plugin list
			$ avmsh plugin new blink
			$ avmsh --target app@127.0.0.1 blink
		`),
		Args: cmdutil.PositionalArgs(0, 0),
	}
	cmd.AddCommand(newCmdList(f), newCmdNew(f))
	return cmd
}

// ListOptions are the inputs of `avmsh plugin list`.
type ListOptions struct {
	Output string
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	o := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the plugins found, and which are shadowed",
		Long: heredoc.Doc(`
			List every avmsh-NAME file in the plugin directory and on PATH, in the
			order they are searched: NAME, the file, and whether it runs. A plugin does
			not run when a built-in command has its name, when a file of the same name
			comes first, or when it is not executable.
		`),
		Example: heredoc.Doc(`
			$ avmsh plugin list
			$ avmsh plugin list --output json
		`),
		Args: cmdutil.PositionalArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runList(f, cmd.Root(), o) },
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	cmdutil.EnumFlag(cmd.Flags(), "output", "text", "json")
	return cmd
}

type listEntry struct {
	Name       string `json:"name"`
	Path       string `json:"path"`
	Executable bool   `json:"executable"`
	ShadowedBy string `json:"shadowed_by,omitempty"`
	Runs       bool   `json:"runs"`
}

func runList(f *cmdutil.Factory, root *cobra.Command, o *ListOptions) error {
	if o.Output != "text" && o.Output != "json" {
		return cmdutil.UsageError("--output %q: want text or json", o.Output)
	}
	finder := cmdutil.PluginFinder(f, root)
	found := finder.List()
	entries := make([]listEntry, 0, len(found))
	for _, p := range found {
		entries = append(entries, listEntry{Name: p.Name, Path: p.Path, Executable: p.Executable,
			ShadowedBy: p.ShadowedBy, Runs: p.Executable && p.ShadowedBy == ""})
	}
	if o.Output == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(entries) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no plugins: put an executable avmsh-NAME on PATH or in %s ('avmsh plugin new NAME' writes one)\n", finder.Dir())
		return nil
	}
	w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPATH\tSTATUS")
	for _, e := range entries {
		status := "runs as avmsh " + e.Name
		switch {
		case e.ShadowedBy != "":
			status = "shadowed by " + e.ShadowedBy
		case !e.Executable:
			status = "not executable (chmod +x)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", e.Name, e.Path, status)
	}
	return w.Flush()
}

// NewOptions are the inputs of `avmsh plugin new`.
type NewOptions struct {
	Name string
	Go   bool
	Dir  string
}

func newCmdNew(f *cmdutil.Factory) *cobra.Command {
	o := &NewOptions{}
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Write the skeleton of a new plugin",
		Long: heredoc.Doc(`
			Write avmsh-NAME into the current directory (or --dir): an executable shell
			script that calls avmsh's commands with the context avmsh passes, or with
			--go a Go program (main.go, go.mod) that embeds a node with the embedding
			API (docs/embedding.md). Nothing is overwritten. Put the result on PATH or
			in the plugin directory to run it as 'avmsh NAME'.
		`),
		Example: heredoc.Doc(`
			$ avmsh plugin new blink
			$ avmsh plugin new sensors --go --dir ~/src
		`),
		Args: cmdutil.PositionalArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if cmdutil.IsBuiltin(cmd.Root(), o.Name) {
				return cmdutil.UsageError("%s is a built-in command: a plugin of that name would never run; choose another name", o.Name)
			}
			return runNew(f, o)
		},
	}
	cmd.Flags().BoolVar(&o.Go, "go", false, "a Go program using the embedding API instead of a shell script")
	cmd.Flags().StringVar(&o.Dir, "dir", ".", "where to write the plugin")
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

func runNew(f *cmdutil.Factory, o *NewOptions) error {
	kind := plugins.Script
	if o.Go {
		kind = plugins.Go
	}
	if !plugins.ValidName(o.Name) {
		return cmdutil.UsageError("plugin name %q: use lower-case letters, digits, '-' and '_' (the file is avmsh-NAME)", o.Name)
	}
	path, err := plugins.NewSkeleton(o.Dir, o.Name, kind, f.Version)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	abs, _ := filepath.Abs(path)
	if o.Go {
		fmt.Fprintf(f.IO.Out, "wrote %s\nnext: cd %s && go mod tidy && go build -o %s . && avmsh %s NODE\n",
			abs, abs, filepath.Join(cmdutil.PluginFinder(f, nil).Dir(), plugins.Prefix+o.Name), o.Name)
		return nil
	}
	fmt.Fprintf(f.IO.Out, "wrote %s\nnext: move it onto PATH or into %s, then: avmsh %s NODE\n", abs, cmdutil.PluginFinder(f, nil).Dir(), o.Name)
	return nil
}
