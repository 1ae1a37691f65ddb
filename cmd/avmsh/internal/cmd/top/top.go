package topcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// Options are the inputs of one `avmsh top` run.
type Options struct {
	cmdutil.NodeOptions
	Target   string
	Rows     int
	Sort     string
	Interval time.Duration
	Count    int
	Output   string // text or json
}

// NewCmdTop returns the command.
func NewCmdTop(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "top NODE",
		Short: "Show a node's busiest processes, with rates over an interval",
		Long: heredoc.Docf(`
			Print NODE's process table every interval: totals (reductions, memory,
			message queue) and what changed since the previous frame (reductions per
			second, memory delta, queue growth), sorted by any column. The first frame
			comes after one interval, once there are two tables to compare.

			On a terminal each frame replaces the previous one; piped, frames follow
			each other, each with its header line. --output json prints one JSON object
			per frame and line.

			Works on BEAM nodes (one request per frame, nothing loaded), AtomVM nodes
			(which report no reductions: sort by memory or queue) and serial:PORT
			boards; a board's crash dumps are counted in the header instead of being
			printed (see docs/observe.md).

			Sort columns: %s.
		`, sortKeys()),
		Example: heredoc.Doc(`
			$ avmsh top app@127.0.0.1
			$ avmsh top app -n 10 --sort memory-delta --interval 5s
			$ avmsh top app --count 3 --output json | jq '.rows[0]'
			$ avmsh top serial:/dev/ttyUSB0 --cookie AtomVM --sort mq-growth
		`),
		Args: cmdutil.PositionalArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target = args[0]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	fs := cmd.Flags()
	fs.IntVarP(&o.Rows, "rows", "n", 20, "show the first `N` processes")
	fs.StringVarP(&o.Sort, "sort", "s", string(observe.SortRedsRate), "sort by `COLUMN` (see above)")
	fs.DurationVarP(&o.Interval, "interval", "i", time.Second, "time between frames")
	fs.IntVar(&o.Count, "count", 0, "stop after `N` frames (0: until interrupted)")
	fs.StringVarP(&o.Output, "output", "o", "text", "text (a table) or json (one object per frame and line)")
	cmdutil.EnumFlag(fs, "output", "text", "json")
	cmdutil.EnumFlag(fs, "sort", strings.Split(sortKeys(), ", ")...)
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), nil)
	return cmd
}

func sortKeys() string {
	s := make([]string, len(observe.SortKeys))
	for i, k := range observe.SortKeys {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// validate checks the flags and returns the sort key.
func (o *Options) validate() (observe.SortKey, error) {
	key, err := observe.ParseSortKey(o.Sort)
	switch {
	case err != nil:
		return "", cmdutil.UsageError("--sort: %v", err)
	case o.Rows <= 0:
		return "", cmdutil.UsageError("-n must be at least 1")
	case o.Interval < 100*time.Millisecond:
		return "", cmdutil.UsageError("--interval %v is too short: at least 100ms", o.Interval)
	case o.Count < 0:
		return "", cmdutil.UsageError("--count must not be negative")
	case o.Output != "text" && o.Output != "json":
		return "", cmdutil.UsageError("--output %q: want text or json", o.Output)
	}
	return key, nil
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	key, err := o.validate()
	if err != nil {
		return err
	}
	t, err := o.ParseTarget(o.Target)
	if err != nil {
		return err
	}
	crashes := &crashes{}
	s, err := o.StartSession(ctx, consoleFactory(f, o, t, crashes), o.Target)
	if err != nil {
		return err
	}
	defer s.Stop()
	crashes.setNode(string(s.Target))
	obs := observe.New(observe.Config{Node: s.Node})
	secs := observe.SecOverview | observe.SecProcs | observe.SecSched
	poll := func() (observe.Snapshot, error) {
		pctx, cancel := context.WithTimeout(ctx, max(o.Interval, 10*time.Second))
		defer cancel()
		snap, err := obs.Poll(pctx, s.Target, secs)
		if err == nil && snap.Procs == nil {
			err = fmt.Errorf("%s sent no process table", s.Target)
		}
		var re *rpc.RemoteError
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.As(err, &re):
			err = cmdutil.Remote(fmt.Errorf("read %s: %w", s.Target, err))
		default:
			err = cmdutil.Unreachable(fmt.Errorf("read %s: %w", s.Target, err))
		}
		return snap, err
	}
	prev, err := poll()
	if err != nil {
		return stopped(ctx, err, 0)
	}
	out := newFrameWriter(f.IO.Out, f.IO.IsTerminal && o.Output == "text", f.IO.Columns())
	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()
	warned := false
	for n := 1; o.Count == 0 || n <= o.Count; n++ {
		select {
		case <-ctx.Done():
			return stopped(ctx, ctx.Err(), n-1)
		case <-ticker.C:
		}
		cur, err := poll()
		if err != nil {
			return stopped(ctx, err, n-1)
		}
		w := observe.Rates(*prev.Procs, *cur.Procs)
		k := key
		if need := key.Needs(); need != 0 && !w.Fields.Has(need) {
			k = observe.SortMemoryDelta
			if !warned {
				fmt.Fprintf(f.IO.ErrOut, "avmsh top: %s does not report reductions (%s); sorting by %s\n", s.Target, cur.Kind, k)
				warned = true
			}
		}
		observe.SortRates(w.Rows, k)
		fr := frame{Prev: prev, Cur: cur, Window: w, Sort: k, Rows: o.Rows, Crashes: crashes.take()}
		if o.Output == "json" {
			err = writeJSON(f.IO.Out, fr)
		} else {
			err = out.write(renderText(fr))
		}
		if err != nil {
			return err
		}
		prev = cur
	}
	return nil
}

// stopped is top's error for err after frames frames: Ctrl-C (how top
// without --count ends) exits with cmdutil.ExitInterrupted, as every
// command does, and says how many frames were shown.
func stopped(ctx context.Context, err error, frames int) error {
	if ctx.Err() != nil {
		unit := "frames"
		if frames == 1 {
			unit = "frame"
		}
		return cmdutil.Interrupted(err, "top stopped after %d %s", frames, unit)
	}
	return err
}

// consoleFactory is f with the board console of a serial target going
// to a crash-dump parser instead of stderr: every frame's RPCs make
// AtomVM print a dump, which would garble the table. Real crashes are
// counted in the frame header; -v keeps the text (and logs) on stderr.
func consoleFactory(f *cmdutil.Factory, o *Options, t cmdutil.Target, c *crashes) *cmdutil.Factory {
	if !t.IsSerial() {
		return f
	}
	prefix := ""
	if a, err := serialdist.ParseAddress(t.Serial); err == nil {
		prefix = "[" + strings.TrimPrefix(a.Device, "/dev/") + "] "
	}
	c.parser = crashlog.NewParser(crashlog.Options{Port: t.Serial, StripPrefix: prefix, OnEvent: c.add})
	var sink io.Writer = c.parser
	if o.Verbose {
		sink = io.MultiWriter(c.parser, f.IO.ErrOut)
	}
	streams := *f.IO
	streams.ErrOut = sink
	g := *f
	g.IO = &streams
	return &g
}

// crashes collects a board's crash dumps between frames (erpc results
// left out).
type crashes struct {
	parser *crashlog.Parser
	mu     sync.Mutex
	node   string
	total  int
	last   *crashlog.Event
	since  []crashlog.Event
}

// setNode names the board once the handshake told its name; dumps
// printed while connecting get it too.
func (c *crashes) setNode(n string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.node = n
	for i := range c.since {
		c.since[i].Node = n
	}
	if c.last != nil {
		c.last.Node = n
	}
}

func (c *crashes) add(e crashlog.Event) {
	if e.ERPC {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e.Node = c.node
	c.total++
	c.last = &e
	if len(c.since) < 16 {
		c.since = append(c.since, e)
	}
}

// crashReport is what a frame shows of crashes.
type crashReport struct {
	Total int
	Last  *crashlog.Event
	New   []crashlog.Event
}

func (c *crashes) take() crashReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := crashReport{Total: c.total, Last: c.last, New: c.since}
	c.since = nil
	return r
}

// frame is everything one frame prints.
type frame struct {
	Prev, Cur observe.Snapshot
	Window    observe.Window
	Sort      observe.SortKey
	Rows      int
	Crashes   crashReport
}

// pidText prints a pid as the node itself does (<0.N.S>).
func pidText(p term.Pid) string {
	return fmt.Sprintf("<0.%d.%d>", p.ID, p.Serial)
}
