package loadcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// Options are the inputs of one `avmsh load` run.
type Options struct {
	cmdutil.NodeOptions
	cmdutil.OutputOptions
	Nodes    []string
	Files    []string
	All      bool
	Purge    bool
	NoCheck  bool
	Persist  bool
	Watch    string
	Build    bool
	Debounce time.Duration
	// Baud is the ROM loader's speed for --persist.
	Baud int
	PersistDeps
}

// NewCmdLoad returns the command.
func NewCmdLoad(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "load NODE... FILE.beam|DIR...",
		Short: "Load modules into running nodes, BEAM or AtomVM (like c:nl/1)",
		Long: heredoc.Doc(`
			Load compiled modules into running nodes over distribution (TCP, TLS or a
			serial:PORT), as c:nl/1 does. Every file is checked first (a BEAM file named
			after its module): if one is bad, nothing is sent. Then each node gets all the
			modules or none: if one was compiled for a newer OTP than the node runs, or
			uses an opcode its AtomVM lacks (AtomVM would abort), none is sent to that
			node (the others are "not_sent"). The arguments after the first
			that names an existing file or directory (or ends in .beam) are files; DIRs
			are ebin/ directories or rebar3 builds (see 'avmsh pack --help').

			BEAM: the processes running each module are listed; they go on in the old
			version until their next fully qualified call. If processes still run the
			version before that, the module is not loaded (a node keeps two versions):
			--purge kills them first, as c:l/1 does (code:purge/1).

			AtomVM: there are no old and new versions; processes inside a replaced module
			enter the new code at their next fully qualified call. The load lives in RAM:
			a reboot reverts it, unless --persist.

			--persist (ESP32 boards named as serial:PORT): after the load, avmsh takes
			the port from its node, resets the board into its ROM loader, reads the .avm
			in its main.avm partition, puts the new modules in it, writes only the 4 KiB
			sectors that changed, verifies them, and resets the board into the new .avm;
			then it waits for the board's node to connect again. Entering the ROM loader
			is itself a reset: the board's processes restart (from the new code). A Pico
			cannot be persisted this way (its flash is written in BOOTSEL mode): pack and
			flash instead. See docs/develop.md.

			--all loads into the cluster: the first NODE and every node it is connected
			to (erlang:nodes(connected); an AtomVM NODE has no nodes/1, so only itself).

			--watch DIR (NODEs as arguments) pushes every .beam that changes under DIR,
			one line per push; with --build a changed .erl is recompiled first (rebar3
			compile with a rebar.config, else erlc into the ebin/ beside src/). Ctrl-C
			stops.

			Exit codes: 0 all loaded (and with --persist written and verified), 1 some
			module was refused or the flash failed on the board, 2 usage or bad files
			(nothing sent), 3 a node or, with --persist, its board's ROM loader could
			not be reached, 130 interrupted by Ctrl-C (also how --watch ends; the
			message says what was loaded or written before it).
		`),
		Example: heredoc.Doc(`
			$ avmsh load app@127.0.0.1 ebin/greeter.beam
			$ avmsh load serial:/dev/ttyUSB0 --cookie AtomVM _build/default/lib/myapp/ebin
			$ avmsh load --all app@host ebin/ --output json
			$ avmsh load --purge app@host ebin/server.beam
			$ avmsh load --watch . --build app@127.0.0.1 serial:ttyACM0
			$ avmsh load --persist serial:/dev/ttyUSB0 --cookie AtomVM ebin/server.beam
		`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Watch != "" {
				o.Nodes = args
			} else {
				o.Nodes, o.Files = splitArgs(args)
			}
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), cmdutil.CompleteFileExt("beam"))
	o.AddOutputFlag(cmd.Flags())
	fl := cmd.Flags()
	fl.BoolVar(&o.All, "all", false, "load into the first NODE and every node connected to it")
	fl.BoolVar(&o.Purge, "purge", false, "BEAM: kill processes still running an old version (code:purge/1, as c:l/1)")
	fl.BoolVar(&o.NoCheck, "no-check", false, "send modules even if avmsh thinks the target cannot load them")
	fl.BoolVar(&o.Persist, "persist", false, "ESP32 on serial:PORT: also rewrite the board's .avm in flash (changed sectors, verified) and restart it from it")
	fl.IntVar(&o.Baud, "baud", 460800, "with --persist: ROM loader speed for reading and writing the flash (115200 keeps the ROM's)")
	fl.StringVar(&o.Watch, "watch", "", "watch `DIR` and push each changed .beam to the NODEs")
	fl.BoolVar(&o.Build, "build", false, "with --watch: recompile changed .erl files first (rebar3 or erlc)")
	fl.DurationVar(&o.Debounce, "debounce", 100*time.Millisecond, "with --watch: wait until a file is quiet this long")
	return cmd
}

// splitArgs: nodes up to the first argument that is a path.
func splitArgs(args []string) (nodes, files []string) {
	for i, a := range args {
		if i > 0 && !serialdist.IsAddress(a) && isPath(a) {
			return args[:i], args[i:]
		}
	}
	return args, nil
}

func isPath(a string) bool {
	if strings.HasSuffix(a, ".beam") {
		return true
	}
	_, err := os.Stat(a)
	return err == nil
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	switch {
	case o.Persist && o.Watch != "":
		return cmdutil.UsageError("--persist goes with files, not with --watch: every push would restart the board. Watch without it, then persist once: avmsh load --persist serial:PORT FILE.beam...")
	case o.Persist && o.All:
		return cmdutil.UsageError("--persist writes the flash of boards named as serial:PORT; --all reaches nodes over the network: name the boards instead")
	case len(o.Nodes) == 0:
		return cmdutil.UsageError("give at least one NODE\nRun 'avmsh load --help' for examples.")
	case o.Watch == "" && len(o.Files) == 0:
		return cmdutil.UsageError("give the .beam files or directories to load after the NODEs (or --watch DIR)")
	case o.Build && o.Watch == "":
		return cmdutil.UsageError("--build goes with --watch")
	}
	var mods []*codeload.Module
	if o.Watch == "" {
		var err error
		if mods, err = codeload.Prepare(o.Files); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
		}
	}
	targets := make([]cmdutil.Target, len(o.Nodes))
	for i, spec := range o.Nodes {
		t, err := o.ParseTarget(spec)
		if err != nil {
			return err
		}
		targets[i] = t
	}
	var boards []*board
	if o.Persist {
		o.PersistDeps.fill(f)
		var err error
		if boards, err = persistUsage(ctx, o, targets); err != nil {
			return err
		}
	}
	l, err := o.StartNodeFor(ctx, f, targets, false, nil)
	if err != nil {
		return err
	}
	defer l.Stop()
	var down []codeload.Result
	var names []term.Atom
	for i := range targets {
		t := &targets[i]
		if err := o.ConnectTarget(ctx, l, t); err != nil {
			if ctx.Err() != nil {
				return err // Ctrl-C: nothing was loaded
			}
			down = append(down, downResults(t, mods, err)...)
			continue
		}
		names = append(names, t.Node)
	}
	var late []codeload.Result // cluster peers --all could not reach
	loader := codeload.NewLoader(l.Node.Node, codeload.Options{Timeout: o.Timeout, Purge: o.Purge, NoCheck: o.NoCheck, Persisting: o.Persist})
	if o.All && len(names) > 0 && names[0] == targets[0].Node {
		more, unreachable := cluster(ctx, f, o, l.Node.Node, loader, names)
		names = append(names, more...)
		for _, u := range unreachable {
			late = append(late, downResults(&cmdutil.Target{Node: u.node}, mods, u.err)...)
		}
	}
	if o.Watch != "" {
		return watch(ctx, f, o, loader, names, append(down, late...))
	}
	if o.Persist {
		if err := persistKinds(ctx, loader, boards); err != nil {
			return err
		}
	}
	results := append(append(down, loader.LoadAll(ctx, names, mods)...), late...)
	if ctx.Err() != nil {
		return loadInterrupted(f, o, results)
	}
	if o.Persist {
		return persistAll(ctx, f, o, l, boards, mods, results)
	}
	if err := printResults(f, o, results); err != nil {
		return err
	}
	return exitFor(results)
}

func downResults(t *cmdutil.Target, mods []*codeload.Module, err error) []codeload.Result {
	if len(mods) == 0 {
		mods = []*codeload.Module{{Name: "*"}}
	}
	out := make([]codeload.Result, len(mods))
	for i, m := range mods {
		name := t.Node
		if name == "" {
			name = term.Atom(t.Serial)
		}
		out[i] = codeload.Result{Node: name, Module: m.Name, Path: m.Path, Status: codeload.Unreachable, Reason: codeload.ReasonDown, Err: err}
	}
	return out
}

// loadInterrupted prints the results of a load Ctrl-C stopped (what
// was loaded stays loaded) and returns the interruption.
func loadInterrupted(f *cmdutil.Factory, o *Options, rs []codeload.Result) error {
	if err := printResults(f, o, rs); err != nil {
		return err
	}
	loaded := 0
	for _, r := range rs {
		if r.Status == codeload.Loaded {
			loaded++
		}
	}
	what := fmt.Sprintf("%d of %d loads were done before it (those stay loaded)", loaded, len(rs))
	if o.Persist {
		what += "; nothing was written to flash"
	}
	return cmdutil.Interrupted(context.Canceled, "%s", what)
}

// exitFor maps results to the exit code contract.
func exitFor(rs []codeload.Result) error {
	var refused, unreachable int
	for _, r := range rs {
		switch r.Status {
		case codeload.Refused:
			refused++
		case codeload.Unreachable:
			unreachable++
		}
	}
	switch {
	case refused > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: fmt.Errorf("%d of %d loads were refused", refused, len(rs)), Silent: true}
	case unreachable > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnreachable, Err: fmt.Errorf("%d of %d loads could not reach their node", unreachable, len(rs)), Silent: true}
	}
	return nil
}

// unreachablePeer is a node of the cluster that could not be reached.
type unreachablePeer struct {
	node term.Atom
	err  error
}

// cluster returns the other nodes the first target is connected to,
// connecting to each, and those it could not reach (they are reported
// as results, exit code 3). AtomVM has no erlang:nodes/1: its cluster is
// itself.
func cluster(ctx context.Context, f *cmdutil.Factory, o *Options, n interface {
	Name() term.Atom
	Connect(context.Context, term.Atom) error
}, loader *codeload.Loader, have []term.Atom) (reached []term.Atom, down []unreachablePeer) {
	first := have[0]
	v, err := rpc.Call(ctx, loader.Node, first, "erlang", "nodes", []term.Term{term.Atom("connected")}, rpc.Options{Timeout: o.Timeout})
	var re *rpc.RemoteError
	if errors.As(err, &re) && re.Reason == term.Atom("undef") {
		fmt.Fprintf(f.IO.ErrOut, "%s has no erlang:nodes/1 (AtomVM): --all loads into it alone\n", first)
		return nil, nil
	}
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "--all: cannot ask %s for its nodes: %v\n", first, err)
		return nil, nil
	}
	l, _ := v.(term.List) // node names: atoms, never a term.Chars
	for _, e := range l {
		a, ok := e.(term.Atom)
		if !ok || a == n.Name() || contains(have, a) || contains(reached, a) {
			continue
		}
		if err := n.Connect(ctx, a); err != nil {
			down = append(down, unreachablePeer{a, fmt.Errorf("--all: %s is connected to %s, but avmsh cannot reach it: %w", a, first, err)})
			continue
		}
		reached = append(reached, a)
	}
	return reached, down
}

func contains(l []term.Atom, a term.Atom) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}
