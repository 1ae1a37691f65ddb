package source

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Config configures Live.
type Config struct {
	// Node is the TUI's own node; Registry serves its built-in modules.
	Node     *node.Node
	Registry *rpc.Registry
	// GroupLeader receives remote output of shell evaluations.
	GroupLeader *term.Pid
	// EpmdHosts are polled for registered nodes ("localhost" by default);
	// EpmdPort is their epmd port (4369 or ERL_EPMD_PORT).
	EpmdHosts []string
	EpmdPort  int
	// AutoConnect connects (hidden) to the nodes epmd lists.
	AutoConnect bool
	// MaxProcs caps the rows of one process table poll.
	MaxProcs int
	// Dial connects to a serial:PORT target and returns its node name
	// (nil: serial targets are refused).
	Dial func(ctx context.Context, spec string) (term.Atom, error)
	// Ports lists the serial ports the node has open (console, reset).
	Ports func() []*serialdist.Port
	// Logger receives debug logs (nil: discarded).
	Logger *slog.Logger
}

// env is the node set-up every part of Live works on: the node, its
// built-in modules and group leader, its serial ports, the epmd hosts
// to poll, and the watcher process the dashboard's signals come from.
type env struct {
	n           *node.Node
	reg         *rpc.Registry
	gl          *term.Pid
	epmdHosts   []string
	epmdPort    int
	autoConnect bool
	maxProcs    int
	dial        func(ctx context.Context, spec string) (term.Atom, error)
	ports       func() []*serialdist.Port
	log         *slog.Logger
	watcher     *vm.Process
	started     time.Time
}

// newEnv turns Config into the node set-up Live runs on. It is the only
// place where tui/source builds anything from its configuration (the
// defaults, the watcher process): the node itself, its names, cookie,
// TLS and serial ports come set up in Config, and a shared node set-up
// package can replace this function with one call.
func newEnv(cfg Config) (*env, error) {
	e := &env{n: cfg.Node, reg: cfg.Registry, gl: cfg.GroupLeader, epmdHosts: cfg.EpmdHosts, epmdPort: cfg.EpmdPort,
		autoConnect: cfg.AutoConnect, maxProcs: cfg.MaxProcs, dial: cfg.Dial, ports: cfg.Ports, log: cfg.Logger, started: time.Now()}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if len(e.epmdHosts) == 0 {
		e.epmdHosts = []string{"localhost"}
	}
	if e.epmdPort == 0 {
		e.epmdPort = 4369
	}
	if e.maxProcs == 0 {
		e.maxProcs = 5000
	}
	w, err := e.n.Runtime().NewProcess(vm.SpawnOptions{Label: "avmsh:tui_watcher/0"})
	if err != nil {
		return nil, err
	}
	w.TrapExit(true)
	e.watcher = w
	return e, nil
}

// openPorts are the serial ports the node has open, by device.
func (e *env) openPorts() map[string]*serialdist.Port {
	open := map[string]*serialdist.Port{}
	if e.ports != nil {
		for _, p := range e.ports() {
			open[p.Name()] = p
		}
	}
	return open
}

// hostPart is the host of the local node's name (for nodes epmd lists
// on "localhost").
func (e *env) hostPart() string {
	_, h, _ := node.SplitNodeName(string(e.n.Name()))
	return h
}

// fullName completes a name without a host with the local node's host,
// as erl does for -sname/-name.
func (e *env) fullName(alive string) term.Atom {
	if strings.Contains(alive, "@") {
		return term.Atom(alive)
	}
	return term.Atom(alive + "@" + e.hostPart())
}

// longName reports whether name uses long names: a dotted host or an
// IP address (what erl's -name accepts), the rule cmdutil applies too.
func longName(name term.Atom) bool {
	_, host, err := node.SplitNodeName(string(name))
	if err != nil {
		return false
	}
	return strings.Contains(host, ".") || strings.Contains(host, ":") || net.ParseIP(host) != nil
}

// localRow is the dashboard's own node as a cluster row.
func (e *env) localRow() NodeRow {
	rt := e.n.Runtime()
	var mem int64
	for _, pid := range rt.Processes() {
		if info, ok := rt.Info(pid); ok {
			mem += int64(info.Memory)
		}
	}
	return NodeRow{Name: e.n.Name(), Kind: "avmsh", Transport: "-", State: StateLocal, Since: e.started,
		Version: "avmsh", Procs: int64(len(rt.Processes())), Memory: mem, Uptime: time.Since(e.started)}
}
