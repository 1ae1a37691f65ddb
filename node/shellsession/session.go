package shellsession

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/remsh"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Evaluator says where a session evaluates expressions.
type Evaluator string

// The evaluators: Auto is OTP's shell on a BEAM target and avmsh's Go
// evaluator elsewhere; Go and Remote force one (Remote refuses to fall
// back when the target cannot run OTP's shell).
const (
	EvalAuto   Evaluator = "auto"
	EvalGo     Evaluator = "go"
	EvalRemote Evaluator = "remote"
)

// ParseEvaluator checks an --evaluator value ("" is auto).
func ParseEvaluator(s string) (Evaluator, error) {
	switch Evaluator(s) {
	case "", EvalAuto:
		return EvalAuto, nil
	case EvalGo, EvalRemote:
		return Evaluator(s), nil
	}
	return "", fmt.Errorf("the evaluator must be auto, go or remote, not %q", s)
}

// Mode is the evaluator a session runs.
type Mode int

// The modes.
const (
	// ModeGo: avmsh's evaluator; module calls run on the target.
	ModeGo Mode = iota
	// ModeRemote: OTP's own shell runs on the (BEAM) target.
	ModeRemote
)

// Terminal is what a session prints to and reads from.
type Terminal interface {
	io.Writer
	// ReadLine reads one line (io:get_line, the job-control menu);
	// ErrInterrupted means the user interrupted the evaluation that
	// asked.
	gl.Input
	// ReadCommand reads a whole command up to its dot (the prompt);
	// io.EOF leaves the shell, ErrJobControl opens the Ctrl-G menu.
	remsh.CommandInput
}

// ErrJobControl, returned by a Terminal's ReadCommand, asks for the
// job-control menu (Ctrl-G).
var ErrJobControl = errors.New("job control")

// ErrInterrupted, returned by a Terminal's ReadLine, interrupts the
// evaluation that is reading (Ctrl-C at an io:get_line prompt).
var ErrInterrupted = errors.New("interrupted")

// ErrConnectionLost is wrapped by Run's error when the target went away
// under OTP's shell.
var ErrConnectionLost = errors.New("the connection was lost")

// Config configures a Session.
type Config struct {
	// Node is avmsh's node; Target the node expressions are for ("" or
	// Node.Name(): the local node itself).
	Node   *node.Node
	Target term.Atom
	// Evaluator picks the evaluator ("": auto).
	Evaluator Evaluator
	// Registry serves the local node's modules (module calls and Tab
	// completion when the target is the local node).
	Registry *rpc.Registry
	// Timeout bounds each module call of avmsh's evaluator (0: none).
	Timeout time.Duration
	// Terminal is the front-end.
	Terminal Terminal
	// Columns is the terminal's width for io:columns (0: 80).
	Columns int
	// Connect connects to a node given to :connect (a name or a spec
	// such as serial:PORT) and returns its name; nil connects to node
	// names only.
	Connect func(ctx context.Context, spec string) (term.Atom, error)
	// EpmdPort is the epmd port :connect's completion asks for names
	// (0: ERL_EPMD_PORT through Getenv, else 4369).
	EpmdPort int
	Getenv   func(string) string
	// Logger receives debug logs (nil: discarded).
	Logger *slog.Logger
	// GoEvaluatorHint says how the user opens a shell with avmsh's Go
	// evaluator in this front-end (`avmsh shell` says "--evaluator
	// go"); "" for the neutral wording.
	GoEvaluatorHint string
}

// Session is one shell on a target. Run it once; Close it when done.
type Session struct {
	cfg  Config
	term *terminal
	gl   *gl.Server
	mode Mode
	comp completions

	mu       sync.Mutex
	target   term.Atom
	sh       *shell.Session  // Go mode
	host     *shellhost.Host // Go mode
	cancel   func()          // the Go evaluation in progress
	goFailed bool
	rem      *remsh.Session // remote mode
	quit     chan struct{}
	quitOnce sync.Once
	vars     varTracker // remote mode: the variables the commands bound
	evalFn   EvalFunc   // StartEval's evaluator
	next     int        // StartEval's next command number

	runDone chan struct{} // Background: closed when Run returned
	runErr  error
	stopRun func() // Background: cancels Run's context (Close)
}

// Start connects the session to its target (already connected or
// reachable) and starts the evaluator: OTP's shell prints its banner
// and first prompt through the Terminal at once; avmsh's evaluator
// prompts when Run reads.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Node == nil || cfg.Terminal == nil {
		return nil, errors.New("shellsession: Config needs a Node and a Terminal")
	}
	if cfg.Target == "" {
		cfg.Target = cfg.Node.Name()
	}
	ev, err := ParseEvaluator(string(cfg.Evaluator))
	if err != nil {
		return nil, err
	}
	cfg.Evaluator = ev
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	s := &Session{cfg: cfg, target: cfg.Target, quit: make(chan struct{})}
	s.term = &terminal{t: cfg.Terminal, s: s}
	s.comp.s = s
	remote := ev == EvalRemote || (ev == EvalAuto && s.remoteTarget())
	sc := &remsh.Scanner{Node: cfg.Node, Target: cfg.Target, Timeout: cfg.Timeout, OnLine: s.onRemoteLine, OnEOF: s.leave}
	g, err := gl.Start(cfg.Node.Runtime(), gl.Options{Out: s.term, In: s.term, Columns: cfg.Columns, GetUntil: sc.GetUntil,
		Print: iolib.Options{Node: syntax.NodeContext{Local: cfg.Node.Name()}}})
	if err != nil {
		return nil, fmt.Errorf("start the shell's group leader on %s: %w", cfg.Node.Name(), err)
	}
	s.gl = g
	if remote {
		err := s.startRemote(ctx)
		if err == nil {
			return s, nil
		}
		if ev == EvalRemote {
			g.Stop()
			return nil, err
		}
		// Not an OTP node after all (another avmsh answers as BEAM).
		fmt.Fprintf(s.term, "(%v; using avmsh's evaluator)\n", err)
	}
	if err := s.startGo(); err != nil {
		g.Stop()
		return nil, err
	}
	return s, nil
}

// remoteTarget reports whether the target runs OTP (auto's choice).
func (s *Session) remoteTarget() bool {
	if s.cfg.Target == s.cfg.Node.Name() {
		return false
	}
	p, ok := s.cfg.Node.Peer(s.cfg.Target)
	return ok && p.Kind == node.KindBEAM
}

func (s *Session) startRemote(ctx context.Context) error {
	r, err := remsh.Start(ctx, s.cfg.Node, s.cfg.Target, s.gl.Pid())
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.rem, s.mode = r, ModeRemote
	s.mu.Unlock()
	return nil
}

func (s *Session) startGo() error {
	glPid := s.gl.Pid()
	sh, h, err := shellhost.NewSession(s.cfg.Node, s.cfg.Target, shellhost.Options{
		Timeout: s.cfg.Timeout, GroupLeader: &glPid, Registry: s.cfg.Registry, Logger: s.cfg.Logger,
		// The shell process killed by a link while idle: printed as
		// the erl shell prints its evaluator's death.
		OnExit: func(text string) { _, _ = io.WriteString(s.term, text) },
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.sh, s.host, s.mode = sh, h, ModeGo
	s.mu.Unlock()
	return nil
}

// Mode is the evaluator the session runs.
func (s *Session) Mode() Mode { return s.mode }

// Target is the node expressions are for (`:target` moves it in Go
// mode).
func (s *Session) Target() term.Atom {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target
}

// Prompt is the prompt of avmsh's evaluator, "(target)N> " (OTP's shell
// sends its own).
func (s *Session) Prompt() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sh == nil {
		return fmt.Sprintf("(%s)%d> ", s.target, max(s.next, 1))
	}
	return fmt.Sprintf("(%s)%d> ", s.target, s.sh.N())
}

// GroupLeader is the session's I/O server: the group leader of the
// shell's evaluations (and of the calls Tab completion makes).
func (s *Session) GroupLeader() term.Pid {
	if s.gl == nil {
		return term.Pid{}
	}
	return s.gl.Pid()
}

// Failed reports whether a command raised an exception or did not
// parse (a script's exit code): avmsh's evaluator says so, and for
// OTP's shell the output is watched for "** exception" and "* 1:5:".
func (s *Session) Failed() bool {
	s.mu.Lock()
	f := s.goFailed
	s.mu.Unlock()
	return f || s.term.failSeen()
}

// Run runs the shell until the user leaves (the quit rule, :quit,
// Ctrl-D, Ctrl-G q: nil), ctx ends (nil), or OTP's shell ends because
// the target went away (an error wrapping ErrConnectionLost). A
// connection error met by avmsh's evaluator is printed and the shell
// goes on (`:connect` retries).
func (s *Session) Run(ctx context.Context) error {
	if s.mode == ModeRemote {
		return s.runRemote(ctx)
	}
	return s.runGo(ctx)
}

// leave ends Run.
func (s *Session) leave() { s.quitOnce.Do(func() { close(s.quit) }) }

// Interrupt stops the evaluation in progress, if any (Ctrl-C): avmsh's
// evaluator is cancelled (the remote erpc process is killed), or OTP's
// shell kills its evaluator (as Ctrl-G i does in erl). It reports
// whether there was one.
func (s *Session) Interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.cancel != nil:
		s.cancel()
		return true
	case s.rem != nil && !s.term.prompting():
		return s.rem.Interrupt() == nil
	}
	return false
}

// Evaluating reports whether an evaluation is in progress, one that
// Interrupt would stop: avmsh's evaluator running a command, or OTP's
// shell on the target not waiting for one.
func (s *Session) Evaluating() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancel != nil || (s.rem != nil && !s.term.prompting())
}

// Close ends the session: OTP's shell on the target, avmsh's shell
// process and the group leader. The target keeps running.
func (s *Session) Close() {
	s.leave()
	s.mu.Lock()
	rem, host, stop := s.rem, s.host, s.stopRun
	s.mu.Unlock()
	if stop != nil {
		stop() // a read waiting at the prompt ends
	}
	if rem != nil {
		rem.Stop()
	}
	if host != nil {
		host.Close()
	}
	if s.gl != nil {
		s.gl.Stop()
	}
}

// Background runs Run on a goroutine of its own (a front-end that is
// not a loop, the dashboard); Done is closed when it returns and Reason
// then says why. Close ends it.
func (s *Session) Background(ctx context.Context) {
	s.mu.Lock()
	if s.runDone != nil {
		s.mu.Unlock()
		return
	}
	s.runDone = make(chan struct{})
	ctx, s.stopRun = context.WithCancel(ctx)
	s.mu.Unlock()
	go func() {
		err := s.Run(ctx)
		s.mu.Lock()
		s.runErr = err
		s.mu.Unlock()
		close(s.runDone)
	}()
}

// Done is closed when the Run started by Background returned (nil
// before Background).
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runDone
}

// Reason says why Run ended: "left" (the user left), or its error.
func (s *Session) Reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runErr != nil {
		return s.runErr.Error()
	}
	return "left"
}

// runRemote waits while OTP's shell runs: it reads its commands through
// the group leader (onRemoteLine sees each one).
func (s *Session) runRemote(ctx context.Context) error {
	select {
	case <-s.quit:
		return nil
	case reason := <-s.rem.Done():
		if reason == term.Atom("noconnection") {
			return fmt.Errorf("%s: %w", s.cfg.Target, ErrConnectionLost)
		}
		return nil
	case <-ctx.Done():
		return nil
	}
}

// onRemoteLine sees each command typed into OTP's shell: the quit rule
// and meta-commands apply here, anything else goes to the shell.
func (s *Session) onRemoteLine(line string) (string, bool) {
	if t := trimmed(line); len(t) > 0 && t[0] == ':' {
		if IsQuit(t) || s.meta(context.Background(), t) {
			return "", false
		}
		return "\n", true
	}
	before, quit := splitQuit(line)
	if quit {
		if trimmed(before) == "" {
			return "", false
		}
		// The commands before the quit run (the newline ends the
		// last dot for erl_scan); the next read leaves.
		s.term.leaveNext()
		before += "\n"
	}
	s.vars.command(before, s.term.failures())
	return before, true
}
