package rpccmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Options are the inputs of one `avmsh rpc` run.
type Options struct {
	cmdutil.NodeOptions
	cmdutil.OutputOptions
	Target   string
	Module   string
	Function string
	Args     []string
	ArgsList string
	Rex      bool
}

// NewCmdRPC returns the command.
func NewCmdRPC(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "rpc NODE MODULE FUNCTION [ARG ...]",
		Short: "Call a function on a node and print the result",
		Long: heredoc.Doc(`
			Call MODULE:FUNCTION(ARG, ...) on NODE and print its value. Each ARG is an
			Erlang term. Output the remote side writes with io:format appears here as
			it happens; a remote io:get_line reads from stdin.

			The call goes through erpc (spawning erpc:execute_call/4 with a monitor),
			which works on BEAM and on AtomVM; --rex uses rpc:call's rex server instead.

			Exit codes: 0 ok, 1 the function raised an exception, 2 usage error,
			3 the node cannot be reached (no epmd, unknown name, refused, wrong cookie).
		`),
		Example: heredoc.Doc(`
			$ avmsh rpc app@127.0.0.1 erlang node
			$ avmsh rpc app erlang system_info otp_release
			$ avmsh rpc app lists seq 1 10
			$ avmsh rpc app@host io format '"hello ~p~n"' '[world]'
			$ avmsh rpc app erlang memory --output json
			$ avmsh rpc app lists sum --args '[[1,2,3]]'
			$ avmsh rpc --address 127.0.0.1:37000 app@127.0.0.1 erlang node
		`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 3 {
				return cmdutil.UsageError("rpc needs NODE MODULE FUNCTION (got %d arguments)\nRun 'avmsh rpc --help' for examples.", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Module, o.Function, o.Args = args[0], args[1], args[2], args[3:]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	o.AddOutputFlag(cmd.Flags())
	cmd.Flags().StringVar(&o.ArgsList, "args", "", "all arguments as one Erlang list, e.g. '[1, {a, b}]'")
	cmd.Flags().BoolVar(&o.Rex, "rex", false, "use the rex server (rpc:call protocol) instead of erpc")
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	mod, err := atomArg("MODULE", o.Module)
	if err != nil {
		return err
	}
	fun, err := atomArg("FUNCTION", o.Function)
	if err != nil {
		return err
	}
	var args []term.Term
	if o.ArgsList != "" {
		if len(o.Args) > 0 {
			return cmdutil.UsageError("give the arguments either one by one or with --args, not both")
		}
		l, err := cmdutil.ParseArgs([]string{o.ArgsList}, syntax.NodeContext{})
		if err != nil {
			return err
		}
		list, ok := l[0].(term.List)
		if !ok {
			return cmdutil.UsageError("--args must be a proper list, like '[1, 2]'")
		}
		args = list
	} else if args, err = cmdutil.ParseArgs(o.Args, syntax.NodeContext{}); err != nil {
		return err
	}
	s, err := o.StartSession(ctx, f, o.Target)
	if err != nil {
		return err
	}
	defer s.Stop()
	for i := range args {
		args[i] = cmdutil.WithCreation(args[i], s.Target, s.Peer.Creation)
	}
	gl := s.GL.Pid()
	v, err := rpc.Call(ctx, s.Node, s.Target, mod, fun, args, rpc.Options{Timeout: o.Timeout, GroupLeader: &gl, Rex: o.Rex})
	if err != nil {
		return reportError(f, err)
	}
	return o.PrintTerm(f.IO.Out, v, f.IO.Columns(), syntax.NodeContext{})
}

func atomArg(what, s string) (term.Atom, error) {
	t, err := syntax.Parse(s, syntax.ParseOptions{})
	if a, ok := t.(term.Atom); err == nil && ok {
		return a, nil
	}
	if s != "" {
		return term.Atom(s), nil // a bare word that is not an atom literal, e.g. 'Elixir.Foo'
	}
	return "", cmdutil.UsageError("%s is empty", what)
}

// reportError prints a remote exception like the erl shell and returns
// the matching exit code.
func reportError(f *cmdutil.Factory, err error) error {
	if e := cmdutil.TermDepthExit(err); e != nil {
		return e
	}
	var nc *rpc.NoConnectionError
	if errors.As(err, &nc) {
		return cmdutil.Unreachable(err)
	}
	if class, reason, stack, ok := rpc.ExceptionTerms(err); ok {
		var to *rpc.TimeoutError
		if errors.As(err, &to) {
			fmt.Fprintf(f.IO.ErrOut, "avmsh: %v\n", err)
		} else {
			fmt.Fprint(f.IO.ErrOut, cmdutil.FormatException(class, reason, stack))
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: err, Silent: true}
	}
	return err
}
