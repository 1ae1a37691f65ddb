package shellcmd

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/lineedit"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/vm/term"
)

// Options are the inputs of one `avmsh shell` run.
type Options struct {
	cmdutil.NodeOptions
	// Target is the node ("" = the local embedded node).
	Target string
	// Evaluator is auto, go or remote.
	Evaluator string
	// NoHistory keeps history in memory only.
	NoHistory bool
}

// NewCmdShell returns the command.
func NewCmdShell(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "shell [NODE]",
		Short: "An Erlang shell on a node (BEAM, AtomVM or avmsh)",
		Long: heredoc.Doc(`
			Open an Erlang REPL whose target is NODE (a node name or serial:PORT), or the
			local embedded node when NODE is left out. The prompt shows the target.

			On a BEAM node the shell is OTP's own, run on the target with avmsh as its
			terminal (like erl -remsh): every expression erl accepts works, records
			included. On AtomVM (no erl_eval on the board) and on avmsh nodes the
			expressions are evaluated by avmsh's Go evaluator and module calls run on the
			target through erpc; --evaluator go forces that on BEAM too. There node() is
			the target, avmsh_node() is avmsh's own node.

			Keys: up/down history, Ctrl-R search, Tab completion (modules, Mod:functions,
			variables, registered names, node names), Ctrl-C interrupts the evaluation
			(or clears the line), Ctrl-G opens the job-control menu (i interrupt,
			c back, q leave), Ctrl-D leaves. History is kept in
			$XDG_STATE_HOME/avmsh/history.

			Leaving never stops the target node: q(), halt(), init:stop(),
			erlang:halt() and c:q() typed as a command leave the shell.

			Meta-commands: :help, :nodes, :connect NODE, :target NODE, :devices, :quit.

			With stdin not a terminal, commands are read from it and the results
			printed; the exit code is 1 if a command raised an exception.
		`),
		Example: heredoc.Doc(`
			$ avmsh shell app@127.0.0.1
			$ avmsh shell serial:/dev/ttyUSB0 --cookie AtomVM
			$ avmsh shell                       # the local avmsh node
			$ avmsh shell app < script.erl      # non-interactive
		`),
		Args: cmdutil.PositionalArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Target = args[0]
			}
			return Run(cmd.Context(), f, o)
		},
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(o.NodeCompleter(f), nil)
	cmd.Flags().StringVar(&o.Evaluator, "evaluator", "auto", "where expressions are evaluated: auto, go (avmsh's evaluator) or remote (OTP's shell on a BEAM target)")
	cmd.Flags().BoolVar(&o.NoHistory, "no-history", false, "do not read or write the history file")
	return cmd
}

// Run executes the command: the line editor on the terminal, the shell
// session (package shellsession) on the node.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	ev, err := shellsession.ParseEvaluator(o.Evaluator)
	if err != nil {
		return cmdutil.UsageError("--evaluator: %v", err)
	}
	interactive := f.IO.InIsTerminal && f.IO.IsTerminal
	r := &repl{}
	var hist *shellsession.History
	if interactive && !o.NoHistory {
		// A broken history file must not stop the shell: it starts empty.
		hist, _ = shellsession.OpenHistory(shellsession.DefaultHistoryFile(f.Getenv), 0)
	}
	cfg := lineedit.Config{In: f.IO.In, Out: f.IO.Out, Interactive: interactive, Complete: r.complete}
	if hist != nil {
		cfg.History = hist
	}
	ed, err := lineedit.New(cfg)
	if err != nil {
		return err
	}
	defer ed.Close()
	r.ed = ed
	if interactive {
		// Ctrl-C interrupts an evaluation, not the shell: only SIGTERM
		// (and the input's end) stop it. Ctrl-G during an evaluation
		// is the terminal's quit signal: the job-control menu.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		if restore, err := ed.CtrlGSignals(); err == nil {
			defer restore()
		}
		stop := r.handleSignals(ctx, cancel)
		defer stop()
	}
	glo := &gl.Options{Out: ed.Writer(), In: editorTerminal{r}, Columns: f.IO.Columns()}
	var s *cmdutil.Session
	if o.Target == "" {
		s, err = o.StartLocalSession(ctx, f, glo)
	} else {
		s, err = o.StartSessionIO(ctx, f, o.Target, glo)
	}
	if err != nil {
		return err
	}
	defer s.Stop()
	sess, err := shellsession.Start(ctx, shellsession.Config{
		Node: s.Node, Target: s.Target, Evaluator: ev, Registry: s.Registry,
		Terminal: editorTerminal{r}, Columns: f.IO.Columns(), Getenv: f.Getenv,
		GoEvaluatorHint: "start avmsh shell with --evaluator go",
		Connect:         func(ctx context.Context, spec string) (term.Atom, error) { return connect(ctx, o, s, spec) },
	})
	if err != nil {
		return err
	}
	defer sess.Close()
	r.setSession(sess)
	err = sess.Run(ctx)
	if !interactive && ctx.Err() != nil {
		return oneShotInterrupted(err, sess)
	}
	if err != nil {
		if errors.Is(err, shellsession.ErrConnectionLost) {
			return cmdutil.Unreachable(err)
		}
		return err
	}
	if !interactive && sess.Failed() {
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: errors.New("a command raised an exception"), Silent: true}
	}
	return nil
}

// oneShotInterrupted is the error of commands read from stdin that
// Ctrl-C stopped: what became of the command running on the target.
func oneShotInterrupted(err error, sess *shellsession.Session) error {
	if sess.Mode() == shellsession.ModeRemote {
		return cmdutil.Interrupted(err, "the commands from stdin stopped; OTP's shell on %s was closed, and a command it was running ended with it", sess.Target())
	}
	if errors.As(err, new(*rpc.CanceledError)) {
		return cmdutil.InterruptedBy(err)
	}
	return cmdutil.Interrupted(err, "the commands from stdin stopped")
}

// connect is :connect NODE: a node name (short names completed as on
// the command line); serial targets are given when the shell starts.
func connect(ctx context.Context, o *Options, s *cmdutil.Session, spec string) (term.Atom, error) {
	t, err := o.ParseTarget(spec)
	if err != nil {
		return "", err
	}
	if t.IsSerial() {
		return "", errors.New("serial targets are given when the shell starts: avmsh shell " + spec)
	}
	if err := s.Node.Connect(ctx, t.Node); err != nil {
		return "", cmdutil.Explain(err, t.Node)
	}
	return t.Node, nil
}

// handleSignals turns SIGINT (Ctrl-C while a command runs: the terminal
// is not in raw mode then) into an interrupt of the evaluation, SIGQUIT
// (Ctrl-G then, see lineedit.CtrlGSignals) into the job-control menu,
// and SIGTERM into the end of the session.
func (r *repl) handleSignals(ctx context.Context, end func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				switch sig {
				case syscall.SIGTERM:
					end()
					continue
				case syscall.SIGQUIT:
					r.ctrlG(ctx, end)
					continue
				}
				if r.interrupt() {
					_, _ = r.ed.Writer().Write([]byte("\n")) // after the ^C the terminal echoed
				}
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
