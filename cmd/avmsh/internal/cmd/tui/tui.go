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
	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/fleetview"
	"github.com/avmsh/avmsh/tui/monitors"
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
	// LeakWindow is the samples the leak watch fits a line over;
	// LeakThreshold the growth over that window, in percent of the
	// mean, that flags a node.
	LeakWindow    int
	LeakThreshold float64
	// ReportDir is where the Monitors view saves crash reports.
	ReportDir string
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

			Keys: tab or 1-6 switch views, : command palette, / filter, ? help, q quit
			(in the shell view, where those keys type: ctrl+o, ctrl+/, f1, esc). In the
			node view, p shows the processes with their rates over the refresh (R sorts
			by reductions/s, M by memory change, W by queue growth), c the modules
			(l reloads one), e ETS tables, i ports, d distribution, u schedulers, a
			applications; :load FILE.beam|DIR... loads code into the node, as avmsh
			load does. In the devices view, f flashes the selected board (an .avm, or
			AtomVM itself), as avmsh flash does. Monitors lists crash dumps boards
			print (s saves a report); Fleet the boards avmsh knows
			($XDG_STATE_HOME/avmsh/fleet.json).

			The leak watch samples every node's memory and process count (and an
			ESP32 board's free heap) at each refresh of the cluster or node view, and
			flags a node whose figure grows steadily: more than --leak-threshold
			percent over the last --leak-window samples, with a good line fit.
		`),
		Example: heredoc.Doc(`
			$ avmsh
			$ avmsh tui --cookie secret --hosts localhost,10.0.0.5 --refresh 1s
			$ NO_COLOR=1 avmsh tui
			$ avmsh tui --refresh 5s --leak-window 60 --leak-threshold 1
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
	cmd.Flags().IntVar(&o.LeakWindow, "leak-window", 30, "leak watch: samples (refreshes) a node's trend is fitted over")
	cmd.Flags().Float64Var(&o.LeakThreshold, "leak-threshold", 2, "leak watch: growth over the window, in `PERCENT` of the mean, that flags a node")
	cmd.Flags().StringVar(&o.ReportDir, "report-dir", ".", "where s in the Monitors view saves crash reports")
}

// Run runs the dashboard until the user quits.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	port, err := epmd.EnvPort(f.Getenv)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	switch {
	case o.LeakWindow < 3:
		return cmdutil.UsageError("--leak-window %d: a line needs at least 3 samples", o.LeakWindow)
	case o.LeakThreshold <= 0 || o.LeakThreshold > 1000:
		return cmdutil.UsageError("--leak-threshold %v: want a percentage above 0 (2 flags 2 %% growth over the window)", o.LeakThreshold)
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
	src, err := source.NewLive(source.Config{Local: l, EpmdHosts: o.Hosts, EpmdPort: port, AutoConnect: !o.NoAutoConnect,
		Leak: leak.Config{Window: o.LeakWindow, MinGrowth: o.LeakThreshold / 100}, Fleet: fleetStore(f)})
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
	th := theme.ForTerminal(f.IO.Out, det)
	views := append(app.DefaultViews(src, th, t), fleetview.New(src, th))
	for _, v := range views {
		if mv, ok := v.(*monitors.Model); ok {
			mv.ReportDir, mv.ReportInfo = o.ReportDir, crashlog.ReportInfo{Avmsh: f.Version}
		}
	}
	done := make(chan struct{})
	defer close(done)
	m := app.New(src, app.Options{Refresh: o.Refresh, Theme: th, Terminal: t, Views: views, Done: done})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(f.IO.In), tea.WithOutput(f.IO.Out),
		tea.WithFilter(app.DropTerminalReplies()))
	_, err = p.Run()
	t.Close()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// fleetStore is the fleet's state in $XDG_STATE_HOME/avmsh (nil when no
// home directory is known: nothing is recorded).
func fleetStore(f *cmdutil.Factory) *fleet.Store {
	home := os.UserHomeDir
	if f.HomeDir != nil {
		home = f.HomeDir
	}
	dir, err := fleet.DefaultDir(f.Getenv, home)
	if err != nil {
		return nil
	}
	return fleet.Open(dir)
}
