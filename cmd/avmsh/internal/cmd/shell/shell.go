package shellcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sync"
	"syscall"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/lineedit"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/remsh"
	"github.com/avmsh/avmsh/node/shellhost"
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
			target through erpc; --evaluator go forces that on BEAM too.

			Keys: up/down history, Ctrl-R search, Tab completion (modules, Mod:functions,
			variables, registered names, node names), Ctrl-C interrupts the evaluation
			(or clears the line), Ctrl-D or q(). leaves. History is kept in
			$XDG_STATE_HOME/avmsh/history. Leaving never stops the target node.

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

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	switch o.Evaluator {
	case "auto", "go", "remote":
	default:
		return cmdutil.UsageError("--evaluator must be auto, go or remote, not %q", o.Evaluator)
	}
	interactive := f.IO.InIsTerminal && f.IO.IsTerminal
	r := &repl{f: f, o: o, interactive: interactive}
	if interactive {
		// Ctrl-C interrupts an evaluation, not the shell: only SIGTERM
		// (and the input's end) stop it.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		stop := r.handleSignals(cancel)
		defer stop()
	}
	hist := ""
	if interactive && !o.NoHistory {
		hist = lineedit.DefaultHistoryFile(f.Getenv)
	}
	ed, err := lineedit.New(lineedit.Config{In: f.IO.In, Out: f.IO.Out, Interactive: interactive, HistoryFile: hist, Complete: r.complete})
	if err != nil {
		return err
	}
	defer ed.Close()
	r.ed = ed
	r.out = &failWatch{w: ed.Writer()}
	r.scanner = &remsh.Scanner{OnLine: r.onRemoteLine, OnEOF: r.endRemote}
	glo := &gl.Options{Out: r.out, In: editorInput{r}, Columns: f.IO.Columns(), GetUntil: r.scanner.GetUntil}
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
	r.s = s
	if err := r.run(ctx); err != nil {
		return err
	}
	if !interactive && r.failed() {
		return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: errors.New("a command raised an exception"), Silent: true}
	}
	return nil
}

// repl is one shell session.
type repl struct {
	f           *cmdutil.Factory
	o           *Options
	interactive bool
	ed          *lineedit.Editor
	out         *failWatch
	s           *cmdutil.Session
	scanner     *remsh.Scanner

	mu       sync.Mutex
	quit     chan struct{}
	quitted  bool
	goFail   bool
	comp     completions
	goHost   *shellhost.Host // the Go evaluator's host (nil in remote mode)
	cancel   func()          // cancels the Go evaluation in progress
	remote   *remsh.Session  // OTP's shell (remote mode)
	atPrompt bool            // OTP's shell waits for a command
}

func (r *repl) failed() bool { return r.goFail || r.out.seen() }

func (r *repl) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

// run picks the evaluator and runs the loop until the user leaves.
func (r *repl) run(ctx context.Context) error {
	remote := r.o.Evaluator == "remote" ||
		(r.o.Evaluator == "auto" && r.s.Target != r.s.Node.Name() && r.s.Peer.Kind == node.KindBEAM)
	if remote {
		err := r.runRemote(ctx)
		if err == nil || r.o.Evaluator == "remote" {
			return err
		}
		// Not an OTP node after all (another avmsh answers as BEAM):
		// fall back to the Go evaluator.
		r.printf("(%v; using avmsh's evaluator)\n", err)
	}
	return r.runGo(ctx)
}

// handleSignals turns SIGINT (Ctrl-C while a command runs: the terminal
// is not in raw mode then) into an interrupt of the evaluation, and
// SIGTERM into the end of the session.
func (r *repl) handleSignals(end func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				if sig == syscall.SIGTERM {
					end()
					continue
				}
				if r.interrupt() {
					r.printf("\n") // after the ^C the terminal echoed
				}
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// interrupt stops the evaluation in progress, if any: the Go evaluator's
// context is cancelled (the remote erpc process is killed), or OTP's
// shell is told to kill its evaluator (as Ctrl-G i does in erl).
// It reports whether there was one.
func (r *repl) interrupt() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.cancel != nil:
		r.cancel()
		return true
	case r.remote != nil && !r.atPrompt:
		return r.remote.Interrupt() == nil
	}
	return false
}

// editorInput is the group leader's input: the line editor, with Ctrl-C
// at a remote io:get_line prompt interrupting the evaluation that asked,
// and OTP's shell reading whole commands (one history entry each).
type editorInput struct{ r *repl }

func (in editorInput) ReadLine(ctx context.Context, prompt string) (string, error) {
	line, err := in.r.ed.ReadLine(ctx, prompt)
	if errors.Is(err, lineedit.ErrInterrupt) {
		in.r.interrupt()
	}
	return line, err
}

func (in editorInput) ReadCommand(ctx context.Context, prompt, more string) (string, error) {
	in.r.mu.Lock()
	in.r.atPrompt = true
	in.r.mu.Unlock()
	defer func() {
		in.r.mu.Lock()
		in.r.atPrompt = false
		in.r.mu.Unlock()
	}()
	return in.r.ed.ReadCommand(ctx, prompt, more)
}

// failWatch passes output on and notices what the erl shell prints for
// a failed command ("** exception ...", "* 1:5: syntax error ...").
type failWatch struct {
	w    io.Writer
	mu   sync.Mutex
	tail []byte // the end of the current line, across writes
	fail bool
}

var failLine = regexp.MustCompile(`^(\(\S+\)\d+> )?(\*\* exception |\* \d+:\d+: )`)

func (f *failWatch) Write(b []byte) (int, error) {
	f.mu.Lock()
	for _, c := range b {
		if c == '\n' {
			f.tail = f.tail[:0]
			continue
		}
		if len(f.tail) < 256 {
			f.tail = append(f.tail, c)
			if !f.fail && failLine.Match(f.tail) {
				f.fail = true
			}
		}
	}
	f.mu.Unlock()
	return f.w.Write(b)
}

func (f *failWatch) seen() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail
}
