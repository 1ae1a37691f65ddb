package nodescmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// Options are the inputs of one `avmsh nodes` run.
type Options struct {
	cmdutil.NodeOptions
	cmdutil.OutputOptions
	Target string
}

// NewCmdNodes returns the command.
func NewCmdNodes(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "nodes NODE",
		Short: "List the nodes NODE is connected to, visible and hidden",
		Long: heredoc.Doc(`
			Ask NODE for erlang:nodes(visible) and erlang:nodes(hidden) and print them
			(avmsh itself shows up as hidden). AtomVM has no nodes/1: for an AtomVM NODE
			the command says so (exit code 1). Exit code 3 when NODE cannot be reached,
			4 when it does not answer within --timeout.
		`),
		Example: heredoc.Doc(`
			$ avmsh nodes app@127.0.0.1
			$ avmsh nodes app --output json
		`),
		Args: cmdutil.PositionalArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target = args[0]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), nil)
	o.AddOutputFlag(cmd.Flags())
	cmdutil.WaitForInterruptsLater(cmd) // in StartSession, once connected
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	s, err := o.StartSession(ctx, f, o.Target)
	if err != nil {
		return err
	}
	defer s.Stop()
	type entry struct {
		Node string `json:"node"`
		Type string `json:"type"`
	}
	var out []entry
	for _, typ := range []string{"visible", "hidden"} {
		v, err := rpc.Call(ctx, s.Node, s.Target, "erlang", "nodes", []term.Term{term.Atom(typ)}, rpc.Options{Timeout: o.Timeout})
		var re *rpc.RemoteError
		if errors.As(err, &re) && re.Reason == term.Atom("undef") {
			return cmdutil.Remote(fmt.Errorf("%s has no erlang:nodes/1 (AtomVM does not implement it)", s.Target))
		}
		if ce := cmdutil.CallError(err); ce != nil {
			return ce
		}
		if err != nil {
			return cmdutil.Remote(err)
		}
		l, _ := v.(term.List) // node names: atoms, never a term.Chars
		for _, n := range l {
			if a, ok := n.(term.Atom); ok && a != s.Node.Name() {
				out = append(out, entry{string(a), typ})
			}
		}
	}
	if o.Format == cmdutil.OutputJSON {
		if out == nil {
			out = []entry{}
		}
		b, _ := json.Marshal(out)
		fmt.Fprintf(f.IO.Out, "%s\n", b)
		return nil
	}
	if len(out) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "%s is connected to no other node\n", s.Target)
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tTYPE")
	for _, e := range out {
		fmt.Fprintf(tw, "%s\t%s\n", e.Node, e.Type)
	}
	return tw.Flush()
}
