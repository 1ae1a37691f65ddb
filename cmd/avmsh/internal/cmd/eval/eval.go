package evalcmd

import (
	"context"
	"errors"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/shellhost"
)

// Options are the inputs of one `avmsh eval` run.
type Options struct {
	cmdutil.NodeOptions
	Target string
	Source string
}

// NewCmdEval returns the command.
func NewCmdEval(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "eval NODE 'EXPRS.'",
		Short: "Evaluate Erlang expressions against a node and print the results",
		Long: heredoc.Doc(`
			Evaluate one or more Erlang commands (each ending with a dot) the way the erl
			shell would, and print what the shell prints for each: the value like ~p, or
			the exception like "** exception error: ...". With EXPRS "-" the commands are
			read from stdin, with "@FILE" from FILE (UTF-8, at most 256 MiB).

			Evaluation runs in avmsh (the Go evaluator, checked against OTP's shell on
			759 commands); module calls run on NODE through erpc, so it works on BEAM,
			on AtomVM boards (serial:PORT) and on other avmsh nodes. self(), ! and
			receive use a process of avmsh's node. Remote io:format output appears here.

			Exit codes: 0 ok, 1 a command raised an exception or did not parse,
			2 usage error, 3 the node cannot be reached (or the connection was lost),
			4 a call got no answer within --timeout (each call has that long), 130
			interrupted by Ctrl-C (the running call is stopped; the message says so).
		`),
		Example: heredoc.Doc(`
			$ avmsh eval app@127.0.0.1 '1 + 1.'
			$ avmsh eval app 'L = lists:seq(1, 5), lists:sum(L).'
			$ avmsh eval serial:/dev/ttyUSB0 'erlang:system_info(atomvm_version).'
			$ echo 'erlang:memory(total).' | avmsh eval app -
			$ avmsh eval app @script.erl
		`),
		Args: cmdutil.PositionalArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Source = args[0], args[1]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), nil)
	cmdutil.WaitForInterruptsLater(cmd) // in StartSession, once connected
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	src := o.Source
	if cmdutil.IsSource(src) { // - or @FILE
		var err error
		if src, err = cmdutil.NewInputs(f, false).Text("the expressions", strings.TrimPrefix(src, "@")); err != nil {
			return err
		}
	} else if err := cmdutil.CheckUTF8("the expressions", []byte(src)); err != nil {
		return err
	}
	if strings.TrimSpace(src) == "" {
		return cmdutil.UsageError("no expressions to evaluate")
	}
	if !strings.HasSuffix(strings.TrimSpace(src), ".") {
		src = strings.TrimSpace(src) + "." // a forgiving end for one-liners
	}
	s, err := o.StartSession(ctx, f, o.Target)
	if err != nil {
		return err
	}
	defer s.Stop()
	glPid := s.GL.Pid()
	sess, host, err := shellhost.NewSession(s.Node, s.Target, shellhost.Options{Timeout: o.Timeout, GroupLeader: &glPid, Registry: s.Registry})
	if err != nil {
		return err
	}
	defer host.Close()
	// Each command's output is printed when it finishes, through the
	// group leader, so it comes in order with the output it caused.
	err = sess.EvalEach(ctx, src+"\n", s.GL.Write)
	if err != nil {
		if ctx.Err() != nil {
			// Ctrl-C: what became of the command that was running.
			return cmdutil.InterruptedBy(err)
		}
		if ce := cmdutil.CallError(err); ce != nil {
			return ce
		}
		return cmdutil.Unreachable(err)
	}
	if sess.Failed() {
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: errors.New("a command raised an exception"), Silent: true}
	}
	return nil
}
