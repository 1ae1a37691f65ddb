package codeloadtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// LiveVersion is what the AtomVM build checked by hand answered to
// erlang:system_info(atomvm_version).
const LiveVersion = "0.8.0-dev+git.7b282159"

// liveMissing are the opcodes up to liveMaxOpcode that build's loader
// does not implement (its opcodes.def; the same list is a fixture of
// vm/beam's tests). It aborts on these and on any higher opcode.
var liveMissing = []int{27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 54, 68, 76,
	79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 93, 110, 126, 127, 128, 149}

const liveMaxOpcode = 185

// Options configure a fake AtomVM node.
type Options struct {
	// Name is its node name (random@127.0.0.1 when empty).
	Name string
	// Cookie (random when empty).
	Cookie string
	// EpmdPort is the epmd it registers with (0: none; reach it by Addr).
	EpmdPort int
	// Version is its atomvm_version (LiveVersion when empty).
	Version string
}

// AtomVM is a running fake AtomVM node.
type AtomVM struct {
	Node    *node.Node
	Name    term.Atom
	Cookie  string
	Version string

	mu      sync.Mutex
	loaded  map[string][]byte
	calls   []string
	console strings.Builder
	aborted bool
}

// Start starts a fake AtomVM node, stopped when the test ends.
func Start(tb testing.TB, o Options) *AtomVM {
	tb.Helper()
	if o.Name == "" {
		o.Name = erltest.RandomName("avm") + "@127.0.0.1"
	}
	if o.Cookie == "" {
		o.Cookie = erltest.RandomName("c")
	}
	if o.Version == "" {
		o.Version = LiveVersion
	}
	cfg := node.Config{
		Name: o.Name, Cookie: o.Cookie, ListenAddr: "127.0.0.1:0", Visible: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if o.EpmdPort != 0 {
		cfg.PortMapper = &epmd.PortMapper{Port: o.EpmdPort}
	}
	n, err := node.Start(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("fake AtomVM node: %v", err)
	}
	tb.Cleanup(n.Stop)
	a := &AtomVM{Node: n, Name: n.Name(), Cookie: o.Cookie, Version: o.Version, loaded: map[string][]byte{}}
	reg := rpc.NewRegistry()
	a.register(reg)
	if err := rpc.Serve(n, reg); err != nil {
		tb.Fatal(err)
	}
	return a
}

// Addr is where it accepts distribution connections (host:port).
func (a *AtomVM) Addr() string { return fmt.Sprintf("127.0.0.1:%d", a.Node.ListenPort()) }

// Loaded returns the binary last loaded for mod.
func (a *AtomVM) Loaded(mod string) ([]byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.loaded[mod]
	return b, ok
}

// Calls lists the calls it received, as "m:f/a" (load_binary as
// "code:load_binary/3 Mod").
func (a *AtomVM) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

// Console is what it printed (abort messages).
func (a *AtomVM) Console() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.console.String()
}

// Aborted reports whether it "aborted" (stopped, as AtomVM exits).
func (a *AtomVM) Aborted() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.aborted
}

func (a *AtomVM) record(call string) {
	a.mu.Lock()
	a.calls = append(a.calls, call)
	a.mu.Unlock()
}

// abort prints msg and stops the node, as AtomVM's AVM_ABORT ends the
// process; the caller gets no answer.
func (a *AtomVM) abort(c *rpc.CallContext, msg string) (term.Term, error) {
	a.mu.Lock()
	a.console.WriteString(msg + "\n")
	a.aborted = true
	a.mu.Unlock()
	go a.Node.Stop()
	<-c.Context().Done()
	return nil, c.Context().Err()
}
