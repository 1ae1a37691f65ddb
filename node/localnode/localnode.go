package localnode

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/node/stdlib"
)

// Config is the resolved configuration of a local node: every value is
// final (no flag, environment variable or file is consulted here).
type Config struct {
	// Name is the node's full name, alive@host (see OwnName).
	Name string
	// Cookie is the default cookie (never logged).
	Cookie string
	// Visible publishes the node (BEAM lists it in nodes()); by default
	// it is hidden, like erl_call and remsh.
	Visible bool
	// Listen makes the node accept TCP (or TLS) distribution connections
	// and register with epmd. Otherwise it only dials out: peers reach
	// it over the connections it opens.
	Listen bool
	// ListenAddr is where it listens with Listen: all interfaces, any
	// port (like erl) when empty.
	ListenAddr string
	// TLS, when set, makes every TCP connection use TLS.
	TLS *carrier.TLSFiles
	// Serial are serial addresses ("serial:/dev/ttyUSB0?baud=921600") to
	// open and accept connections on, so that a board can reach the node
	// (again) over its line. Duplicates of one device are opened once.
	Serial []string
	// PortMapper finds other nodes (and registers this one when Listen
	// is set); nil means epmd on the default port (4369).
	PortMapper node.PortMapper
	// Logger receives distribution logs; nil discards them.
	Logger *slog.Logger
	// Version is what avmsh:version() answers peers.
	Version string
	// IO configures the group leader: where remote output of the code
	// this node runs elsewhere goes, and where io:get_line reads. A nil
	// Out discards output; a nil In answers input requests with eof.
	IO gl.Options
	// Console, when set, receives the console text of the serial ports
	// opened at start (boot logs, io:format on the UART), each line
	// prefixed with the port: "[ttyUSB0] ...". Nil leaves the text to
	// whoever reads the ports (serialdist.Port.ConsoleTo).
	Console io.Writer
	// MaxTermDepth is node.Config.MaxTermDepth.
	MaxTermDepth int
}

// Node is a started local node: a distribution node with serial ports,
// a group-leader I/O server and the registry of Go functions it serves.
// Stop it with Stop.
type Node struct {
	*serialnode.Node
	dialer   carrier.Dialer // TCP or TLS, for targets with an Address
	gl       *gl.Server
	reg      *rpc.Registry
	consoles []func()
	console  io.Writer // Config.Console, flushed at Stop
}

// Start starts a node as cfg says: distribution (listening or not),
// serial ports, the built-in modules and stdlib served through rpc, and
// the group leader.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	ncfg, err := nodeConfig(cfg)
	if err != nil {
		return nil, err
	}
	addrs, err := serialAddresses(cfg.Serial)
	if err != nil {
		return nil, err
	}
	sn, err := serialnode.Start(ctx, serialnode.Config{
		Node:   ncfg,
		Listen: addrs,
		Port:   serialdist.PortConfig{Logger: ncfg.Logger},
	})
	if err != nil {
		return nil, err
	}
	n := &Node{Node: sn, reg: rpc.NewRegistry(), dialer: &carrier.TCPDialer{}}
	if cfg.TLS != nil {
		client, _, err := cfg.TLS.Configs() // node.Start read them: no error now
		if err != nil {
			sn.Stop()
			return nil, fmt.Errorf("start node %s: %w", cfg.Name, err)
		}
		n.dialer = &carrier.TCPDialer{TLS: client}
	}
	rpc.RegisterBuiltins(n.reg, cfg.Version)
	stdlib.Register(n.reg)
	if err := rpc.Serve(sn.Node, n.reg); err != nil {
		sn.Stop()
		return nil, fmt.Errorf("start node %s: serve rpc: %w", cfg.Name, err)
	}
	glo := cfg.IO
	if glo.Out == nil {
		glo.Out = io.Discard
	}
	if n.gl, err = gl.Start(sn.Runtime(), glo); err != nil {
		sn.Stop()
		return nil, fmt.Errorf("start node %s: group leader: %w", cfg.Name, err)
	}
	if ports := sn.Ports(); len(ports) > 0 && cfg.Console != nil {
		// The console follows each port through loans (a flasher that
		// borrowed it gives it back with the boot log it read).
		n.console = cfg.Console
		prefix := func(device string) string { return "[" + strings.TrimPrefix(device, "/dev/") + "] " }
		n.consoles = append(n.consoles, serialnode.FollowConsole(sn.Transport(), ports, serialnode.SyncWriter(cfg.Console), prefix))
	}
	return n, nil
}

// nodeConfig is the distribution node's configuration.
func nodeConfig(cfg Config) (node.Config, error) {
	if _, _, err := node.SplitNodeName(cfg.Name); err != nil {
		return node.Config{}, err
	}
	nc := node.Config{
		Name:         cfg.Name,
		Cookie:       cfg.Cookie,
		Visible:      cfg.Visible,
		ListenAddr:   "-",
		TLS:          cfg.TLS,
		PortMapper:   cfg.PortMapper,
		Logger:       cfg.Logger,
		MaxTermDepth: cfg.MaxTermDepth,
	}
	if cfg.Listen {
		nc.ListenAddr = cfg.ListenAddr // "": all interfaces, any port
	}
	if nc.PortMapper == nil {
		nc.PortMapper = &epmd.PortMapper{}
	}
	if nc.Logger == nil {
		nc.Logger = slog.New(slog.DiscardHandler)
	}
	return nc, nil
}

// serialAddresses parses addrs and keeps the first address of each
// device.
func serialAddresses(addrs []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range addrs {
		a, err := serialdist.ParseAddress(s)
		if err != nil {
			return nil, err
		}
		if !seen[a.Device] {
			seen[a.Device] = true
			out = append(out, a.String())
		}
	}
	return out, nil
}

// Registry is the registry of Go functions the node serves to peers
// (built-ins and stdlib are in it; add your own modules).
func (n *Node) Registry() *rpc.Registry { return n.reg }

// GroupLeader is the node's I/O server: give its Pid as the group leader
// of calls whose output should come here.
func (n *Node) GroupLeader() *gl.Server { return n.gl }

// Stop stops the group leader and the node, closes the serial ports
// (telling peers with a teardown frame) and prints what is left of their
// console text (then calls Config.Console's Flush() error method, if it
// has one). It is safe to call more than once.
func (n *Node) Stop() {
	n.gl.Stop()
	n.Node.Stop()
	for _, stop := range n.consoles {
		stop()
	}
	if f, ok := n.console.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}
