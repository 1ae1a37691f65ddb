package sendcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Options are the inputs of one `avmsh send` run.
type Options struct {
	cmdutil.NodeOptions
	Target string
	Dest   string
	Msg    string
}

// NewCmdSend returns the command.
func NewCmdSend(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "send NODE NAME|PID TERM",
		Short: "Send a message to a registered name or a pid on a node",
		Long: heredoc.Doc(`
			Send TERM (an Erlang term) to the process registered as NAME on NODE, or to
			PID. A pid written <0.X.Y> is a pid of NODE (as NODE's own shell prints it);
			<'other@host'.X.Y> names a pid of another node.

			avmsh waits until NODE has processed everything it sent before it exits,
			so the message is delivered when the command returns (if the process
			exists; like Erlang's !, sending to a dead pid is not an error).
		`),
		Example: heredoc.Doc(`
			$ avmsh send app@127.0.0.1 logger_sink '{log, info, <<"hello">>}'
			$ avmsh send app '<0.94.0>' stop
			$ avmsh send serial:/dev/ttyUSB0 blinker '{set, on}'
		`),
		Args: cmdutil.PositionalArgs(3, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Dest, o.Msg = args[0], args[1], args[2]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	target, err := o.ParseTarget(o.Target)
	if err != nil {
		return err
	}
	if !target.IsSerial() {
		// Check the terms before connecting. A serial target's name is
		// only known once connected (pids <0.X.Y> are relative to it).
		if _, _, err := parseDestMsg(o, target.Node); err != nil {
			return err
		}
	}
	s, err := o.StartSession(ctx, f, o.Target)
	if err != nil {
		return err
	}
	defer s.Stop()
	dest, msg, err := parseDestMsg(o, s.Target)
	if err != nil {
		return err
	}
	to := cmdutil.WithCreation(dest, s.Target, s.Peer.Creation)
	m := cmdutil.WithCreation(msg, s.Target, s.Peer.Creation)
	p, err := s.Node.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		return err
	}
	defer p.Exit(vm.Normal)
	var dst term.Term = to
	if name, ok := to.(term.Atom); ok {
		dst = term.Tuple{name, s.Target}
	} else if pid := to.(term.Pid); pid.Node != s.Target {
		if err := s.Node.Connect(ctx, pid.Node); err != nil {
			return cmdutil.Unreachable(cmdutil.Explain(err, pid.Node))
		}
	}
	if err := p.Send(dst, m); err != nil {
		return fmt.Errorf("send to %s on %s: %w", o.Dest, s.Target, err)
	}
	// A round trip on the same connection proves the message was
	// delivered before we exit.
	node := s.Target
	if pid, ok := to.(term.Pid); ok {
		node = pid.Node
	}
	if err := s.Node.Ping(ctx, node); err != nil {
		return cmdutil.Unreachable(fmt.Errorf("sent, but could not confirm delivery to %s: %w", node, err))
	}
	if o.Verbose {
		fmt.Fprintf(f.IO.ErrOut, "sent %s to %s\n", strings.TrimSpace(o.Msg), o.Dest)
	}
	return nil
}

// parseDestMsg parses the destination and the message; pids <0.X.Y> are
// pids of target.
func parseDestMsg(o *Options, target term.Atom) (dest, msg term.Term, err error) {
	nc := syntax.NodeContext{Local: target}
	d, err := cmdutil.ParseArgs([]string{o.Dest}, nc)
	if err != nil {
		return nil, nil, err
	}
	switch d[0].(type) {
	case term.Atom, term.Pid:
	default:
		return nil, nil, cmdutil.UsageError("the destination %q is neither a registered name nor a pid", o.Dest)
	}
	m, err := cmdutil.ParseArgs([]string{o.Msg}, nc)
	if err != nil {
		return nil, nil, err
	}
	return d[0], m[0], nil
}
