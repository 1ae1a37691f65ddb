package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"

	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/plugins"
)

// IOStreams are the standard streams of a command. Tests replace them
// with buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// IsTerminal reports whether Out is an interactive terminal (colour,
	// progress bars and the TUI are only used then).
	IsTerminal bool
	// InIsTerminal reports whether In is an interactive terminal.
	InIsTerminal bool
}

// Columns returns the output terminal's width (80 when unknown).
func (s *IOStreams) Columns() int {
	if f, ok := s.Out.(*os.File); ok && s.IsTerminal {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// Factory gives commands their dependencies. Commands resolve their
// flags into configurations and ask the Factory for what they need, so
// that tests can replace any of it. A nil function field means the real
// dependency.
type Factory struct {
	Version string
	// Build is the binary's version, commit and build date (for
	// --version); Build.Version is Version.
	Build Build
	IO    *IOStreams
	// Getenv reads the environment (replaceable in tests).
	Getenv func(string) string
	// HomeDir is where ~/.erlang.cookie lives (os.UserHomeDir when nil).
	HomeDir func() (string, error)
	// Node starts the command's local node from its resolved
	// configuration through the public embedding API (erlang.Start when
	// nil), so that the API is what every command runs on. Tests replace
	// it to see the configuration a command resolved, to route node
	// names to in-process peers instead of epmd, or to fail the start.
	Node func(ctx context.Context, cfg erlang.Config) (*erlang.Node, error)
	// Environ is the whole environment, handed on to plugins
	// (os.Environ when nil).
	Environ func() []string
	// RunPlugin runs an exec plugin with args and its environment and
	// returns its exit status (plugins.Run on the Factory's streams when
	// nil). The binary replaces itself with the plugin where it can
	// (plugins.Exec).
	RunPlugin func(ctx context.Context, p plugins.Plugin, args, env []string) (int, error)
	// Interrupts returns ctx cancelled by Ctrl-C (SIGINT) and SIGTERM,
	// and the function that stops watching them (WatchSignals in the
	// binary; nil: ctx as it is, as in tests). See WatchInterrupts.
	Interrupts func(ctx context.Context) (context.Context, context.CancelFunc)
}

// WatchInterrupts returns ctx cancelled by Ctrl-C and SIGTERM (through
// f.Interrupts) and the function that stops watching. The root calls it
// when a command or a plugin starts to run, not when avmsh starts:
// watching signals makes the Go runtime start two threads, a tenth of a
// millisecond that --version, --help and usage errors need not pay.
func (f *Factory) WatchInterrupts(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.Interrupts == nil {
		return ctx, func() {}
	}
	return f.Interrupts(ctx)
}

// Env returns the whole environment (see Environ).
func (f *Factory) Env() []string {
	if f.Environ != nil {
		return f.Environ()
	}
	return os.Environ()
}

// Plugin runs an exec plugin through f.RunPlugin.
func (f *Factory) Plugin(ctx context.Context, p plugins.Plugin, args, env []string) (int, error) {
	if f.RunPlugin != nil {
		return f.RunPlugin(ctx, p, args, env)
	}
	return plugins.Run(ctx, p, args, env, plugins.Streams{In: f.IO.In, Out: f.IO.Out, Err: f.IO.ErrOut})
}

// StartNode starts a local node through f.Node.
func (f *Factory) StartNode(ctx context.Context, cfg erlang.Config) (*erlang.Node, error) {
	if f.Node != nil {
		return f.Node(ctx, cfg)
	}
	return erlang.Start(ctx, cfg)
}

// HomeDirectory is the user's home directory (see HomeDir).
func (f *Factory) HomeDirectory() (string, error) { return f.homeDir() }

func (f *Factory) homeDir() (string, error) {
	if f.HomeDir != nil {
		return f.HomeDir()
	}
	return os.UserHomeDir()
}

// NewFactory returns a Factory wired to the process's real streams,
// for the binary b (see Build.Resolve).
func NewFactory(b Build) *Factory {
	b = b.Resolve()
	return &Factory{
		Version: b.Version,
		Build:   b,
		IO: &IOStreams{
			In:           os.Stdin,
			Out:          os.Stdout,
			ErrOut:       os.Stderr,
			IsTerminal:   isatty.IsTerminal(os.Stdout.Fd()),
			InIsTerminal: isatty.IsTerminal(os.Stdin.Fd()),
		},
		Getenv:  os.Getenv,
		HomeDir: os.UserHomeDir,
		Node:    erlang.Start,
		Environ: os.Environ,
		RunPlugin: func(ctx context.Context, p plugins.Plugin, args, env []string) (int, error) {
			if ctx.Err() != nil {
				return ExitInterrupted, nil // Ctrl-C before the plugin started
			}
			if plugins.CanExec {
				// Only returns on failure: then the plugin did not run.
				return 0, plugins.Exec(p, args, env)
			}
			return plugins.Run(ctx, p, args, env, plugins.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
		},
		Interrupts: WatchSignals,
	}
}

// Exit codes shared by every command.
const (
	ExitOK = 0
	// ExitRemote: the remote side raised an exception (or the operation
	// failed on the remote node).
	ExitRemote = 1
	// ExitUsage: bad flags, arguments or input (an unreadable file or
	// stdin, an unsafe ~/.erlang.cookie).
	ExitUsage = 2
	// ExitUnreachable: no epmd, name not registered, connection refused,
	// wrong cookie, serial port unavailable, no connection within
	// --timeout, or the connection lost during the operation.
	ExitUnreachable = 3
	// ExitTimeout: connected and the request was sent, but no answer
	// came within --timeout. Unlike 3, the operation may have run (or
	// may still be running where the peer cannot kill it, as on AtomVM).
	ExitTimeout = 4
	// ExitInterrupted: stopped by a signal.
	ExitInterrupted = 130
)

// ExitError carries an exit code with an error. Commands return it from
// RunE; the root prints the message (unless Silent) and exits with Code.
type ExitError struct {
	Code   int
	Err    error
	Silent bool // the command already printed what the user needs
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError returns an error that exits with ExitUsage.
func UsageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Unreachable wraps err so that the command exits with ExitUnreachable.
func Unreachable(err error) error { return &ExitError{Code: ExitUnreachable, Err: err} }

// TimedOut wraps err so that the command exits with ExitTimeout.
func TimedOut(err error) error { return &ExitError{Code: ExitTimeout, Err: err} }

// Remote wraps err so that the command exits with ExitRemote.
func Remote(err error) error { return &ExitError{Code: ExitRemote, Err: err} }

// ExitCode returns the exit code for an error returned by a command.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitRemote
}
