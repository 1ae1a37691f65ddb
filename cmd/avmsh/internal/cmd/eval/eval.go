package evalcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
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
			read from stdin.

			Evaluation runs in avmsh (the Go evaluator, checked against OTP's shell on
			759 commands); module calls run on NODE through erpc, so it works on BEAM,
			on AtomVM boards (serial:PORT) and on other avmsh nodes. self(), ! and
			receive use a process of avmsh's node. Remote io:format output appears here.

			Exit codes: 0 ok, 1 a command raised an exception or did not parse,
			2 usage error, 3 the node cannot be reached.
		`),
		Example: heredoc.Doc(`
			$ avmsh eval app@127.0.0.1 '1 + 1.'
			$ avmsh eval app 'L = lists:seq(1, 5), lists:sum(L).'
			$ avmsh eval serial:/dev/ttyUSB0 'erlang:system_info(atomvm_version).'
			$ echo 'erlang:memory(total).' | avmsh eval app -
		`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cmdutil.UsageError("eval needs NODE and the expressions (got %d arguments)\nRun 'avmsh eval --help' for examples.", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Source = args[0], args[1]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	src := o.Source
	if src == "-" {
		b, err := io.ReadAll(io.LimitReader(f.IO.In, 16<<20))
		if err != nil {
			return fmt.Errorf("read the expressions from stdin: %w", err)
		}
		src = string(b)
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
	out, err := sess.Eval(ctx, src+"\n")
	s.GL.Write(out)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &cmdutil.ExitError{Code: cmdutil.ExitInterrupted, Err: err, Silent: true}
		}
		if e := cmdutil.TermDepthExit(err); e != nil {
			return e
		}
		return cmdutil.Unreachable(err)
	}
	if sess.Failed() {
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: errors.New("a command raised an exception"), Silent: true}
	}
	return nil
}
