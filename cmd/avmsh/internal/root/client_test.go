//go:build !windows

package root

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/internal/erltest"
)

// registerSpy is the command's port mapper, recording registrations.
type registerSpy struct {
	erlang.PortMapper
	mu    *sync.Mutex
	names *[]string
}

func (s registerSpy) Register(ctx context.Context, alive string, port int, hidden bool) (uint32, io.Closer, error) {
	s.mu.Lock()
	*s.names = append(*s.names, alive)
	s.mu.Unlock()
	return s.PortMapper.Register(ctx, alive, port, hidden)
}

// TestClientsNeverListen: the client commands run a hidden node that
// neither listens nor registers with epmd, as erl_call does (peers reach
// it over the connection it opens), so they never need an epmd server of
// their own; against a real erl node, whose epmd lists only the erl
// node while and after they run.
func TestClientsNeverListen(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	e.Eval(t, `register(sink, spawn(fun() -> receive stop -> ok end end))`)
	beam := erlcModule(t, t.TempDir(), "nl_mod", "-module(nl_mod).\n-export([v/0]).\nv() -> 1.\n")
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	epmdNames := func() []epmd.NameEntry {
		t.Helper()
		names, err := (&epmd.Client{Addr: "127.0.0.1:" + strconv.Itoa(e.EpmdPort)}).Names(context.Background())
		if err != nil {
			t.Fatalf("epmd names: %v", err)
		}
		return names.Nodes
	}
	for _, args := range [][]string{
		{"rpc", e.Name, "erlang", "node"},
		{"eval", e.Name, "1 + 1."},
		{"ping", e.Name},
		{"send", e.Name, "sink", "hello"},
		{"nodes", e.Name},
		{"top", e.Name, "--count", "1", "-o", "json"},
		{"load", e.Name, beam},
	} {
		var (
			mu         sync.Mutex
			registered []string
			configs    []erlang.Config
			during     []epmd.NameEntry
		)
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{
			Version: "test",
			IO:      &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
			Getenv:  func(k string) string { return env[k] },
			Node: func(ctx context.Context, cfg erlang.Config) (*erlang.Node, error) {
				mu.Lock()
				configs = append(configs, cfg)
				mu.Unlock()
				cfg.PortMapper = registerSpy{PortMapper: cfg.PortMapper, mu: &mu, names: &registered}
				n, err := erlang.Start(ctx, cfg)
				during = epmdNames()
				return n, err
			},
		}
		code := executeArgs(context.Background(), f, args)
		if code != 0 {
			t.Fatalf("avmsh %q: exit %d\n%s%s", args, code, out.String(), errOut.String())
		}
		if len(configs) == 0 {
			t.Fatalf("avmsh %q started no node", args)
		}
		for _, cfg := range configs {
			if cfg.Listen || cfg.Visible {
				t.Errorf("avmsh %q: node %s listens (%v) or is visible (%v)", args, cfg.Name, cfg.Listen, cfg.Visible)
			}
		}
		if len(registered) > 0 {
			t.Errorf("avmsh %q registered %q with epmd", args, registered)
		}
		for _, names := range [][]epmd.NameEntry{during, epmdNames()} {
			if len(names) != 1 || names[0].Name != e.Alive() {
				t.Errorf("avmsh %q: epmd lists %+v, want only %s", args, names, e.Alive())
			}
		}
	}
}
