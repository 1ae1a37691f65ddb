package tuicmd

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/MakeNowJust/heredoc"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
)

// Options are the inputs of one dashboard run.
type Options struct {
	cmdutil.NodeOptions
	Refresh       time.Duration
	Hosts         []string
	NoAutoConnect bool
}

// NewCmdTUI returns the command.
func NewCmdTUI(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "The dashboard: cluster, nodes, processes, monitors, devices and a shell",
		Long: heredoc.Doc(`
			Open the dashboard on an embedded local node (hidden; it registers in the
			local epmd, and runs an embedded epmd when none answers). Nodes registered
			in epmd on --hosts (localhost by default) appear and are connected to;
			connected nodes are polled once per --refresh, and only for the view on
			screen. "avmsh" with no arguments runs this on a terminal.

			Keys: tab or 1-5 switch views, : command palette, / filter, ? help, q quit
			(in the shell view, where those keys type: ctrl+o, ctrl+/, f1, esc). In the
			node view, p shows the processes, c the modules (l reloads one), and
			:load FILE.beam|DIR... loads code into the node, as avmsh load does. In
			the devices view, f flashes the selected board (an .avm, or AtomVM
			itself), as avmsh flash does.
		`),
		Example: heredoc.Doc(`
			$ avmsh
			$ avmsh tui --cookie secret --hosts localhost,10.0.0.5 --refresh 1s
			$ NO_COLOR=1 avmsh tui
		`),
		Args: cmdutil.PositionalArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error { return Run(cmd.Context(), f, o) },
	}
	o.AddFlags(cmd)
	return cmd
}

// AddFlags adds the dashboard's flags to cmd (the root command takes
// them too, since `avmsh` alone runs the dashboard).
func (o *Options) AddFlags(cmd *cobra.Command) {
	o.AddNodeFlags(cmd.Flags())
	cmd.Flags().DurationVar(&o.Refresh, "refresh", 2*time.Second, "polling interval of the dashboard")
	cmd.Flags().StringSliceVar(&o.Hosts, "hosts", []string{"localhost"}, "hosts whose epmd the dashboard polls for nodes")
	cmd.Flags().BoolVar(&o.NoAutoConnect, "no-auto-connect", false, "list epmd's nodes without connecting to them")
}

// Run runs the dashboard until the user quits.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	port, err := epmd.EnvPort(f.Getenv)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	srv, err := epmd.Ensure(ctx, epmd.Config{Port: port})
	if err != nil {
		return cmdutil.Unreachable(fmt.Errorf("start the embedded epmd on port %d: %w", port, err))
	}
	if srv != nil {
		defer srv.Close()
	}
	// Remote output and io:get_line of what the shell pane runs go to
	// the pane, through the terminal.
	t := shellpane.NewTerminal()
	defer t.Close()
	// The pane's history is avmsh shell's file (a broken file: memory).
	if h, err := shellsession.OpenHistory(shellsession.DefaultHistoryFile(f.Getenv), 0); err == nil {
		t.SetHistory(h)
	}
	l, err := o.StartNodeIO(ctx, f, nil, true, nil, &gl.Options{Out: t, In: t, Columns: 100})
	if err != nil {
		return err
	}
	defer l.Stop()
	src, err := source.NewLive(source.Config{Local: l, EpmdHosts: o.Hosts, EpmdPort: port, AutoConnect: !o.NoAutoConnect})
	if err != nil {
		return err
	}
	defer src.Close()
	// The one terminal question avmsh asks: the background colour, with
	// a short timeout (theme.Detect); a late answer is dropped from the
	// keys (app.DropTerminalReplies).
	in, _ := f.IO.In.(*os.File)
	out, _ := f.IO.Out.(*os.File)
	det := theme.Detect(theme.Terminal{In: in, Out: out, Getenv: f.Getenv})
	defer det.Restore()
	m := app.New(src, app.Options{Refresh: o.Refresh, Theme: theme.ForTerminal(f.IO.Out, det), Terminal: t})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(f.IO.In), tea.WithOutput(f.IO.Out),
		tea.WithFilter(app.DropTerminalReplies()))
	_, err = p.Run()
	t.Close()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
