package sendcmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	Binary bool
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

			A TERM written @FILE is the term written in FILE, and - the term written on
			stdin; with --binary, the message is the bytes of the file or stdin as an
			Erlang binary instead (at most 256 MiB).

			avmsh waits until NODE has processed everything it sent before it exits,
			so the message is delivered when the command returns (if the process
			exists; like Erlang's !, sending to a dead pid is not an error). Exit code 4
			when NODE does not confirm within --timeout.
		`),
		Example: heredoc.Doc(`
			$ avmsh send app@127.0.0.1 logger_sink '{log, info, <<"hello">>}'
			$ avmsh send app '<0.94.0>' stop
			$ avmsh send serial:/dev/ttyUSB0 blinker '{set, on}'
			$ avmsh send app uploader @image.bin --binary
		`),
		Args: cmdutil.PositionalArgs(3, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Dest, o.Msg = args[0], args[1], args[2]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), o.RegisteredCompleter(f, 0), nil)
	cmd.Flags().BoolVar(&o.Binary, "binary", false, "a TERM written @FILE or - is the bytes of the file or stdin, as a binary")
	cmdutil.WaitForInterruptsLater(cmd) // in StartSession, once connected
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	target, err := o.ParseTarget(o.Target)
	if err != nil {
		return err
	}
	msg, err := o.message(f)
	if err != nil {
		return err
	}
	var dest, m term.Term
	if !target.IsSerial() {
		// Check the terms before connecting. A serial target's name is
		// only known once connected (pids <0.X.Y> are relative to it).
		if dest, m, err = parseDestMsg(o.Dest, msg, target.Node); err != nil {
			return err
		}
	}
	s, err := o.StartSession(ctx, f, o.Target)
	if err != nil {
		return err
	}
	defer s.Stop()
	if target.IsSerial() {
		if dest, m, err = parseDestMsg(o.Dest, msg, s.Target); err != nil {
			return err
		}
	}
	to := cmdutil.WithCreation(dest, s.Target, s.Peer.Creation)
	m = cmdutil.WithCreation(m, s.Target, s.Peer.Creation)
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
			if ctx.Err() != nil {
				return cmdutil.ConnectInterrupted(err, cmdutil.Target{Node: pid.Node})
			}
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
	if err := confirm(ctx, s, node, o.Timeout); err != nil {
		return err
	}
	if o.Verbose {
		fmt.Fprintf(f.IO.ErrOut, "sent %s to %s\n", strings.TrimSpace(o.Msg), o.Dest)
	}
	return nil
}

// confirm waits for node's answer to a ping sent after the message.
func confirm(ctx context.Context, s *cmdutil.Session, node term.Atom, timeout time.Duration) error {
	parent := ctx // cancelled by Ctrl-C only
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err := s.Node.Ping(ctx, node)
	switch {
	case err == nil:
		return nil
	case parent.Err() != nil:
		return cmdutil.Interrupted(err, "the message was sent to %s; its delivery was not confirmed", node)
	case errors.Is(err, context.DeadlineExceeded):
		return cmdutil.TimedOut(fmt.Errorf("sent, but %s did not confirm delivery within --timeout (%v): %w", node, timeout, err))
	}
	return cmdutil.Unreachable(fmt.Errorf("sent, but could not confirm delivery to %s: %w", node, err))
}

// message is the message as written (term text), or the binary of
// @FILE / - with --binary.
func (o *Options) message(f *cmdutil.Factory) (any, error) {
	if !cmdutil.IsSource(o.Msg) {
		if o.Binary {
			return nil, cmdutil.UsageError("--binary applies to a TERM written @FILE or -, not to %q", o.Msg)
		}
		return o.Msg, nil
	}
	in := cmdutil.NewInputs(f, o.Binary)
	what := "TERM (" + o.Msg + ")"
	src := strings.TrimPrefix(o.Msg, "@")
	if o.Binary {
		b, err := in.Read(what, src)
		if err != nil {
			return nil, err
		}
		return term.Binary(b), nil
	}
	return in.Text(what, src)
}

// parseDestMsg parses the destination and the message (term text, or a
// binary already read); pids <0.X.Y> are pids of target.
func parseDestMsg(destText string, msg any, target term.Atom) (dest, m term.Term, err error) {
	nc := syntax.NodeContext{Local: target}
	d, err := cmdutil.ParseTerm("NAME|PID", destText, nc)
	if err != nil {
		return nil, nil, err
	}
	switch d.(type) {
	case term.Atom, term.Pid:
	default:
		return nil, nil, cmdutil.UsageError("the destination %q is neither a registered name nor a pid", destText)
	}
	switch v := msg.(type) {
	case term.Binary:
		return d, v, nil
	case string:
		m, err := cmdutil.ParseTerm("TERM", v, nc)
		if err != nil {
			return nil, nil, err
		}
		return d, m, nil
	}
	return nil, nil, fmt.Errorf("message of type %T", msg)
}
