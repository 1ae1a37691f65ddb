package namescmd

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
)

// Options are the inputs of one `avmsh names` run.
type Options struct {
	cmdutil.OutputOptions
	Host    string
	Timeout time.Duration
}

// NewCmdNames returns the command.
func NewCmdNames(f *cmdutil.Factory) *cobra.Command {
	o := &Options{Host: "127.0.0.1"}
	cmd := &cobra.Command{
		Use:   "names [HOST[:PORT]]",
		Short: "List the nodes registered in a host's epmd",
		Long: heredoc.Doc(`
			Ask the epmd of HOST (default 127.0.0.1; port ERL_EPMD_PORT or 4369 unless
			given) which nodes are registered, like 'epmd -names' or net_adm:names/1.
			Exit code 3 when no epmd answers.
		`),
		Example: heredoc.Doc(`
			$ avmsh names
			$ avmsh names raspberrypi.local
			$ avmsh names 127.0.0.1:4370 --output json
		`),
		Args: cmdutil.PositionalArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Host = args[0]
			}
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddOutputFlag(cmd.Flags())
	cmd.Flags().DurationVarP(&o.Timeout, "timeout", "t", 10*time.Second, "give up after this long")
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	addr, err := epmd.Address(o.Host, f.Getenv)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	reply, err := (&epmd.Client{Addr: addr}).Names(ctx)
	if err != nil {
		return cmdutil.Unreachable(err)
	}
	if o.Format == cmdutil.OutputJSON {
		type entry struct {
			Name string `json:"name"`
			Port int    `json:"port"`
		}
		out := struct {
			Epmd  string  `json:"epmd"`
			Nodes []entry `json:"nodes"`
		}{Epmd: addr, Nodes: []entry{}}
		for _, n := range reply.Nodes {
			out.Nodes = append(out.Nodes, entry{n.Name, n.Port})
		}
		b, _ := json.Marshal(out)
		fmt.Fprintf(f.IO.Out, "%s\n", b)
		return nil
	}
	if len(reply.Nodes) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "epmd at %s has no registered nodes\n", addr)
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPORT")
	for _, n := range reply.Nodes {
		fmt.Fprintf(tw, "%s\t%d\n", n.Name, n.Port)
	}
	return tw.Flush()
}
