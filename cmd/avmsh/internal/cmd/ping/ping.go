package pingcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

// Options are the inputs of one `avmsh ping` run.
type Options struct {
	cmdutil.NodeOptions
	cmdutil.OutputOptions
	Targets []string
}

// NewCmdPing returns the command.
func NewCmdPing(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "ping NODE...",
		Short: "Check that nodes are up and accept us (like net_adm:ping)",
		Long: heredoc.Doc(`
			Connect to each NODE and ask its net_kernel for authentication, as
			net_adm:ping/1 does; print pong or pang with the reason. Works with BEAM,
			AtomVM and avmsh nodes. A NODE written serial:PORT is the node on that serial
			port, whatever its name. Exit code 0 when every node answers pong, 3 otherwise.
		`),
		Example: heredoc.Doc(`
			$ avmsh ping app@127.0.0.1
			$ avmsh ping a b c --output json
			$ avmsh ping serial:/dev/ttyUSB0 --cookie AtomVM
		`),
		Args: cmdutil.PositionalArgs(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Targets = args
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f))
	o.AddOutputFlag(cmd.Flags())
	return cmd
}

type result struct {
	Node   string  `json:"node"`
	Serial string  `json:"serial,omitempty"`
	Result string  `json:"result"`
	Millis float64 `json:"ms"`
	Error  string  `json:"error,omitempty"`
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	targets := make([]cmdutil.Target, len(o.Targets))
	for i, spec := range o.Targets {
		t, err := o.ParseTarget(spec)
		if err != nil {
			return err
		}
		targets[i] = t
	}
	n, err := o.StartNodeFor(ctx, f, targets, false, nil)
	if err != nil {
		return err
	}
	defer n.Stop()
	results := make([]result, len(targets))
	var wg sync.WaitGroup
	for i := range targets {
		t := &targets[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx := ctx
			if o.Timeout > 0 {
				var cancel context.CancelFunc
				pctx, cancel = context.WithTimeout(ctx, o.Timeout)
				defer cancel()
			}
			start := time.Now()
			var err error
			if t.IsSerial() || t.Address != "" {
				err = o.ConnectTarget(pctx, n, t)
			}
			if err == nil {
				err = n.Ping(pctx, t.Node)
				if err != nil {
					err = cmdutil.ExplainTarget(err, *t)
				}
			}
			r := result{Node: string(t.Node), Serial: t.Serial, Result: "pong", Millis: float64(time.Since(start).Microseconds()) / 1000}
			if r.Node == "" {
				r.Node = t.Serial
			}
			if err != nil {
				r.Result = "pang"
				r.Error = err.Error()
			}
			results[i] = r
		}()
	}
	wg.Wait()
	if ctx.Err() != nil && slices.ContainsFunc(results, func(r result) bool { return r.Result != "pong" }) {
		return interrupted(f, targets, results)
	}
	failed := 0
	for _, r := range results {
		if r.Result != "pong" {
			failed++
		}
	}
	if o.Format == cmdutil.OutputJSON {
		b, _ := json.Marshal(results)
		fmt.Fprintf(f.IO.Out, "%s\n", b)
	} else {
		for i, r := range results {
			if r.Result == "pong" {
				fmt.Fprintf(f.IO.Out, "%s: pong (%.1f ms)\n", targets[i], r.Millis)
			} else {
				fmt.Fprintf(f.IO.Out, "%s: pang\n  %s\n", targets[i], cmdutil.Indent(r.Error, "  "))
			}
		}
	}
	if failed > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitUnreachable, Err: fmt.Errorf("%d of %d nodes did not answer", failed, len(results)), Silent: true}
	}
	return nil
}

// interrupted prints the answers that came before Ctrl-C and returns
// the command's error naming the nodes that gave none.
func interrupted(f *cmdutil.Factory, targets []cmdutil.Target, results []result) error {
	var waiting []string
	for i, r := range results {
		if r.Result == "pong" {
			fmt.Fprintf(f.IO.Out, "%s: pong (%.1f ms)\n", targets[i], r.Millis)
			continue
		}
		waiting = append(waiting, targets[i].String())
	}
	return cmdutil.Interrupted(context.Canceled, "no answer yet from %s", strings.Join(waiting, ", "))
}
