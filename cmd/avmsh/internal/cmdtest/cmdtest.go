package cmdtest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/node/localnode"
)

// Env is the world a command under test runs in: its environment
// variables, home directory, stdin, and the in-process peers its node
// reaches. Every command run through Env gets a fresh Factory whose Node
// function records the resolved configuration and routes node names to
// the peers (see Mapper) instead of asking epmd.
type Env struct {
	t *testing.T
	// Vars are the environment variables the command sees. New sets
	// AVMSH_COOKIE to a random cookie the peers share.
	Vars map[string]string
	// Home is the home directory (for ~/.erlang.cookie); a temporary
	// directory by default.
	Home string
	// Mapper resolves node names for the command's node and the peers;
	// set it to nil to let commands use the real epmd (ERL_EPMD_PORT in
	// Vars).
	Mapper *Mapper
	// Terminal makes the command's streams claim to be a terminal.
	Terminal bool

	mu      sync.Mutex
	configs []erlang.Config
}

// New returns an Env with a fresh cookie, home directory and mapper.
func New(t *testing.T) *Env {
	t.Helper()
	return &Env{
		t:      t,
		Vars:   map[string]string{"AVMSH_COOKIE": "cmdtest_" + localnode.RandomName("")},
		Home:   t.TempDir(),
		Mapper: NewMapper(),
	}
}

// Cookie is the cookie of the environment (AVMSH_COOKIE).
func (e *Env) Cookie() string { return e.Vars["AVMSH_COOKIE"] }

// Configs returns the node configurations the commands resolved, in the
// order their nodes were started.
func (e *Env) Configs() []erlang.Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]erlang.Config(nil), e.configs...)
}

// Result is the outcome of one command run.
type Result struct {
	Code     int
	Out, Err string
}

// Factory returns a Factory on buffers (stdout, stderr) and stdin.
func (e *Env) Factory(stdin io.Reader) (*cmdutil.Factory, *SyncBuffer, *SyncBuffer) {
	out, errOut := &SyncBuffer{}, &SyncBuffer{}
	f := &cmdutil.Factory{
		Version: "test",
		IO: &cmdutil.IOStreams{In: stdin, Out: out, ErrOut: errOut,
			IsTerminal: e.Terminal, InIsTerminal: e.Terminal},
		Getenv:  func(k string) string { return e.Vars[k] },
		HomeDir: func() (string, error) { return e.Home, nil },
		Node: func(ctx context.Context, cfg erlang.Config) (*erlang.Node, error) {
			e.mu.Lock()
			e.configs = append(e.configs, cfg)
			e.mu.Unlock()
			if e.Mapper != nil {
				cfg.PortMapper = e.Mapper
			}
			return erlang.Start(ctx, cfg)
		},
	}
	return f, out, errOut
}

// Run runs the command newCmd builds with args and stdin, and returns
// its exit code and output as avmsh would print them.
func (e *Env) Run(newCmd func(*cmdutil.Factory) *cobra.Command, stdin string, args ...string) Result {
	e.t.Helper()
	return e.RunContext(context.Background(), newCmd, strings.NewReader(stdin), args...)
}

// RunContext is Run with a context and any stdin.
func (e *Env) RunContext(ctx context.Context, newCmd func(*cmdutil.Factory) *cobra.Command, stdin io.Reader, args ...string) Result {
	e.t.Helper()
	f, out, errOut := e.Factory(stdin)
	cmd := newCmd(f)
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	code := cmdutil.Status(ctx, errOut, cmd.ExecuteContext(ctx))
	return Result{Code: code, Out: out.String(), Err: errOut.String()}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (a node's
// group leader writes from its own goroutine).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
