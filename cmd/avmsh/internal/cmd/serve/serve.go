// Package servecmd implements `avmsh serve`: run the embedded node
// headless until interrupted.
package servecmd

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
)

// Options are the inputs of one `avmsh serve` run.
type Options struct {
	cmdutil.NodeOptions
	Listen []string
}

// NewCmdServe returns the command.
func NewCmdServe(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run avmsh's node headless, accepting connections, until interrupted",
		Long: heredoc.Doc(`
			Start the embedded node, listen for distribution on TCP (all interfaces, any
			port, like erl), register with the local epmd (starting an embedded epmd when
			none answers), and serve rpc, ping and messages until Ctrl-C.
		`),
		Example: heredoc.Doc(`
			$ avmsh serve --sname hub --cookie secret
			$ avmsh serve --name hub@192.168.1.10 --visible
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return Run(cmd.Context(), f, o) },
	}
	o.AddNodeFlags(cmd.Flags())
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	port, err := epmd.EnvPort(f.Getenv)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	srv, err := epmd.Ensure(ctx, epmd.Config{Port: port})
	if err != nil {
		return cmdutil.Unreachable(fmt.Errorf("start the embedded epmd on %s: %w", addr, err))
	}
	if srv != nil {
		defer srv.Close()
	}
	if o.SName == "" && o.Name == "" {
		o.SName = "avmsh"
	}
	n, err := o.StartNode(ctx, f, "", true)
	if err != nil {
		return err
	}
	defer n.Stop()
	s, err := cmdutil.NewSession(n, f)
	if err != nil {
		return err
	}
	defer s.GL.Stop()
	where := "an existing epmd"
	if srv != nil {
		where = "its own embedded epmd"
	}
	fmt.Fprintf(f.IO.ErrOut, "avmsh node %s listening on port %d, registered in %s at %s; Ctrl-C to stop\n", n.Name(), n.ListenPort(), where, addr)
	<-ctx.Done()
	return nil
}
