package rpccmd

import (
	"context"
	"fmt"
	"slices"

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
	ArgsFile string
	Binary   bool
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

			Large or binary arguments: an ARG written @FILE is the term written in FILE,
			and - the term written on stdin; with --binary, @FILE and - are the bytes of
			the file or stdin as an Erlang binary instead. --args-file FILE (- for
			stdin) holds all the arguments as one Erlang list, like --args. At most
			256 MiB is read from a file or stdin.

			The call goes through erpc (spawning erpc:execute_call/4 with a monitor),
			which works on BEAM and on AtomVM; --rex uses rpc:call's rex server instead.

			With --output json an exception is printed on stdout as well, as
			{"$exception": {"class": ..., "reason": ..., "stack": ...}}.

			Exit codes: 0 ok, 1 the function raised an exception, 2 usage error,
			3 the node cannot be reached (no epmd, unknown name, refused, wrong cookie,
			connection lost), 4 no answer within --timeout (the call may have run),
			130 interrupted by Ctrl-C (the message says whether the remote process was
			killed: not on AtomVM, nor with --rex).
		`),
		Example: heredoc.Doc(`
			$ avmsh rpc app@127.0.0.1 erlang node
			$ avmsh rpc app erlang system_info otp_release
			$ avmsh rpc app lists seq 1 10
			$ avmsh rpc app@host io format '"hello ~p~n"' '[world]'
			$ avmsh rpc app erlang memory --output json
			$ avmsh rpc app lists sum --args '[[1,2,3]]'
			$ avmsh rpc app erlang md5 @firmware.bin --binary
			$ generate_terms | avmsh rpc app my_mod load -
			$ avmsh rpc --address 127.0.0.1:37000 app@127.0.0.1 erlang node
		`),
		Args: cmdutil.PositionalArgs(3, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Module, o.Function, o.Args = args[0], args[1], args[2], args[3:]
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), o.ModuleCompleter(f, 0), o.FunctionCompleter(f, 0, 1), nil)
	o.AddOutputFlag(cmd.Flags())
	cmd.Flags().StringVar(&o.ArgsList, "args", "", "all arguments as one Erlang list, e.g. '[1, {a, b}]'")
	cmd.Flags().StringVar(&o.ArgsFile, "args-file", "", "read all arguments as one Erlang list from `FILE` (- for stdin)")
	cmd.Flags().BoolVar(&o.Binary, "binary", false, "@FILE and - arguments are the bytes of the file or stdin, as a binary")
	cmd.Flags().BoolVar(&o.Rex, "rex", false, "use the rex server (rpc:call protocol) instead of erpc")
	cmdutil.WaitForInterruptsLater(cmd) // in StartSession, once connected
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	mod, err := cmdutil.AtomArg("MODULE", o.Module)
	if err != nil {
		return err
	}
	fun, err := cmdutil.AtomArg("FUNCTION", o.Function)
	if err != nil {
		return err
	}
	args, err := o.arguments(f)
	if err != nil {
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
		return o.reportError(f, err)
	}
	return o.PrintTerm(f.IO.Out, v, f.IO.Columns(), syntax.NodeContext{})
}

// arguments reads the call's arguments from the command line, --args,
// --args-file, files and stdin.
func (o *Options) arguments(f *cmdutil.Factory) ([]term.Term, error) {
	in := cmdutil.NewInputs(f, o.Binary)
	nc := syntax.NodeContext{}
	switch {
	case o.ArgsList != "" && o.ArgsFile != "":
		return nil, cmdutil.UsageError("give --args or --args-file, not both")
	case (o.ArgsList != "" || o.ArgsFile != "") && len(o.Args) > 0:
		return nil, cmdutil.UsageError("give the arguments either one by one or with --args/--args-file, not both")
	case o.Binary && !slices.ContainsFunc(o.Args, cmdutil.IsSource):
		return nil, cmdutil.UsageError("--binary applies to @FILE and - arguments, and there is none\nhint: avmsh rpc NODE MODULE FUNCTION @data.bin --binary")
	case o.ArgsFile != "":
		text, err := in.Text("--args-file", o.ArgsFile)
		if err != nil {
			return nil, err
		}
		return cmdutil.ParseList("--args-file "+o.ArgsFile, text, nc)
	case o.ArgsList != "":
		return cmdutil.ParseList("--args", o.ArgsList, nc)
	}
	return in.Terms(o.Args, nc)
}

// reportError prints a remote exception like the erl shell (and as JSON
// on stdout with --output json) and returns the matching exit code.
func (o *Options) reportError(f *cmdutil.Factory, err error) error {
	class, reason, stack, isExc := rpc.ExceptionTerms(err)
	if isExc {
		_ = o.PrintException(f.IO.Out, class, reason, stack)
	}
	switch ce := cmdutil.CallError(err); {
	case ce != nil:
		return ce
	case isExc:
		fmt.Fprint(f.IO.ErrOut, cmdutil.FormatException(class, reason, stack))
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: err, Silent: true}
	}
	return err
}
