package erlang

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erlangimpl"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/vm/term"
)

func init() {
	erlangimpl.Local = func(n any) *localnode.Node { return n.(*Node).l }
	erlangimpl.Wrap = func(l *localnode.Node) any { return &Node{l: l} }
}

// Config configures a node. The zero value starts a hidden node with a
// random short name, the cookie of ~/.erlang.cookie, and epmd found as erl
// finds it.
type Config struct {
	// Name is the node's name: "alive@host" is used as given (long names
	// when host has dots or is an IP address, short names otherwise); "alive" is
	// completed with this machine's host name (short names, or the fully
	// qualified name with LongNames), as erl completes -sname and -name;
	// "" picks a random name "avmsh_<8 hex digits>".
	Name string
	// LongNames completes a bare Name as erl -name does. Nodes using long
	// names (host parts with dots or IP addresses) and short names cannot
	// talk to each other.
	LongNames bool
	// Cookie is the magic cookie (never logged). When empty it is read
	// from ~/.erlang.cookie the way erl reads it: created with a random
	// cookie when missing, refused when others may read it.
	Cookie string
	// Visible publishes the node, so that BEAM lists it in nodes() and
	// connects it to the rest of its cluster. By default it is hidden,
	// like erl_call and remote shells.
	Visible bool
	// Listen accepts distribution connections on TCP (TLS with TLS) and
	// registers the node with epmd, so that other nodes can reach it by
	// name. Without it the node only dials out and is reached back over
	// the connections it opened.
	Listen bool
	// ListenAddr is where a listening node listens (all interfaces, any
	// port, like erl, when empty), e.g. "127.0.0.1:0".
	ListenAddr string
	// TLS, when set, makes every TCP connection use TLS, compatible with
	// OTP's `-proto_dist inet_tls`.
	TLS *TLS
	// Serial are serial ports to accept connections on, as an AtomVM
	// board running serial_dist dials its UART
	// ("serial:/dev/ttyUSB0?baud=115200"). Ports can also be dialed
	// later with ConnectSerial.
	Serial []string
	// PortMapper finds other nodes and registers this one. Nil means the
	// epmd of each host at ERL_EPMD_PORT (read from the environment, as
	// erl reads it) or 4369.
	PortMapper PortMapper
	// Output receives what remote code writes to this node's group
	// leader (io:format in calls the node makes); nil discards it.
	Output io.Writer
	// Input answers the group leader's input requests (io:get_line);
	// nil answers eof. See Lines.
	Input LineReader
	// Columns is the width io:columns() answers (80 when 0).
	Columns int
	// Console, when set, receives the console text of the serial ports
	// (boot logs, io:format on a board's UART), each line prefixed with
	// the port's name: "[ttyUSB0] ...".
	Console io.Writer
	// Logger receives distribution events (connections, handshakes);
	// nil discards them.
	Logger *slog.Logger
	// Version is what avmsh:version() answers other nodes.
	Version string
	// MaxTermDepth bounds how deeply a term sent or received may nest
	// (10,000 levels when 0; see node.Config.MaxTermDepth).
	MaxTermDepth int
}

// TLS names the PEM files of TLS distribution, as OTP's ssl_dist options
// certfile, keyfile and cacertfile do. Peers must present a certificate
// signed by CAFile, like OTP with verify_peer.
type TLS struct {
	CertFile string // this node's certificate chain
	KeyFile  string // its private key (CertFile when empty)
	CAFile   string // the CA certificates that sign peers' certificates
}

// PortMapper finds the distribution port of a node on a host and
// registers this node (epmd's PORT_PLEASE2 and ALIVE2 requests).
type PortMapper interface {
	// Register publishes alive on port and returns the creation the
	// registry assigned; closing unregister ends the registration.
	Register(ctx context.Context, alive string, port int, hidden bool) (creation uint32, unregister io.Closer, err error)
	// Lookup returns the distribution port of alive on host.
	Lookup(ctx context.Context, host, alive string) (port int, err error)
}

// LineReader is where a group leader reads input: ReadLine shows prompt
// and returns one line with its "\n" (the last may lack it), or io.EOF.
type LineReader interface {
	ReadLine(ctx context.Context, prompt string) (string, error)
}

// UntilReader is an optional interface of a LineReader that answers the
// io protocol's get_until requests itself (io:request/2 with get_until,
// as OTP's shell reads expressions with erl_scan:tokens); without it
// such requests are answered from ReadLine's lines where the group
// leader knows the function, and with an error otherwise.
type UntilReader interface {
	GetUntil(ctx context.Context, prompt string, module, function term.Atom, args term.Term) (term.Term, error)
}

// Lines returns a LineReader over r; prompts are written to prompts
// (which may be nil). A request cancelled while a line is being read
// does not lose the line: the next request gets it.
func Lines(r io.Reader, prompts io.Writer) LineReader { return gl.NewReaderInput(r, prompts) }

// Node is a running Erlang node. Its methods are safe for concurrent
// use. Stop it with Stop.
type Node struct {
	l *localnode.Node
}

// Start starts a node as cfg says. ctx bounds the start-up (epmd
// registration, opening serial ports); the node runs until Stop.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	lc, err := cfg.local()
	if err != nil {
		return nil, err
	}
	l, err := localnode.Start(ctx, lc)
	if err != nil {
		return nil, err
	}
	return &Node{l: l}, nil
}

// local resolves cfg into the node's configuration.
func (cfg Config) local() (localnode.Config, error) {
	mode := node.ShortNames
	if _, host, found := strings.Cut(cfg.Name, "@"); found {
		mode = localnode.NameModeFor(host) // the host given decides
	} else if cfg.LongNames {
		mode = node.LongNames
	}
	name, err := localnode.OwnName(cfg.Name, mode, "")
	if err != nil {
		return localnode.Config{}, fmt.Errorf("node name %q: %w", cfg.Name, err)
	}
	cookie := cfg.Cookie
	if cookie == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return localnode.Config{}, fmt.Errorf("no cookie given and no home directory for ~/.erlang.cookie: %w", err)
		}
		if cookie, err = localnode.ReadCookieFile(localnode.CookieFile(home)); err != nil {
			return localnode.Config{}, err
		}
	}
	lc := localnode.Config{
		Name:         name,
		Cookie:       cookie,
		Visible:      cfg.Visible,
		Listen:       cfg.Listen,
		ListenAddr:   cfg.ListenAddr,
		Serial:       cfg.Serial,
		PortMapper:   cfg.PortMapper,
		Logger:       cfg.Logger,
		Version:      cfg.Version,
		MaxTermDepth: cfg.MaxTermDepth,
		Console:      cfg.Console,
		IO:           gl.Options{Out: cfg.Output, Columns: cfg.Columns},
	}
	if cfg.TLS != nil {
		lc.TLS = &carrier.TLSFiles{CertFile: cfg.TLS.CertFile, KeyFile: cfg.TLS.KeyFile, CAFile: cfg.TLS.CAFile}
	}
	if lc.PortMapper == nil {
		lc.PortMapper = &epmd.PortMapper{Getenv: os.Getenv}
	}
	if cfg.Input != nil {
		lc.IO.In = cfg.Input
		if u, ok := cfg.Input.(UntilReader); ok {
			lc.IO.GetUntil = func(ctx context.Context, _ gl.Input, prompt string, m, f term.Atom, args term.Term) (term.Term, error) {
				return u.GetUntil(ctx, prompt, m, f, args)
			}
		}
	}
	return lc, nil
}

// NameFor returns the name of a node that talks to target first, as the
// avmsh command line names its own node: name as given when it has a
// host; otherwise name (a random "avmsh_<8 hex digits>" when empty) with
// long names when target's host has dots or is an IP address (erl_call's
// rule), short names otherwise, and target's host when it is a loopback
// address or a serial line ("serial.local"), so that target can reach
// the node back under that name.
func NameFor(name string, target term.Atom) (string, error) {
	_, host, _ := strings.Cut(string(target), "@")
	return localnode.OwnName(name, localnode.NameModeFor(host), host)
}

// ReadCookieFile reads the cookie in a cookie file the way erl reads
// ~/.erlang.cookie: created with a random cookie when missing; refused
// when its group or others may use it, or when it holds no cookie or
// characters erl does not accept.
func ReadCookieFile(path string) (string, error) { return localnode.ReadCookieFile(path) }

// Name is the node's full name, alive@host.
func (n *Node) Name() term.Atom { return n.l.Name() }

// ListenPort is the TCP port the node accepts connections on (0 when it
// does not listen).
func (n *Node) ListenPort() int { return n.l.ListenPort() }

// Stop disconnects from every node, unregisters from epmd, ends the
// node's processes and closes its serial ports. It is safe to call more
// than once.
func (n *Node) Stop() { n.l.Stop() }

// Done is closed when the node has stopped.
func (n *Node) Done() <-chan struct{} { return n.l.Done() }

// Connect connects to node (a bare name is completed with this node's
// host) through its host's epmd, within ctx. Connecting to a node already
// connected returns at once. Errors satisfy errors.Is(err,
// ErrNoConnection).
func (n *Node) Connect(ctx context.Context, node term.Atom) error {
	t, err := n.target(node)
	if err != nil {
		return err
	}
	return connErr(n.l.ConnectTarget(ctx, &t))
}

// ConnectAddress connects to node at address (HOST:PORT) directly,
// without epmd; over TLS when the node uses TLS.
func (n *Node) ConnectAddress(ctx context.Context, node term.Atom, address string) error {
	t, err := n.target(node)
	if err != nil {
		return err
	}
	t.Address = address
	return connErr(n.l.ConnectTarget(ctx, &t))
}

// ConnectSerial connects over a serial port ("serial:/dev/ttyUSB0",
// "serial:ttyUSB0?baud=921600") to the node on its other end, typically
// an AtomVM board running serial_dist, and returns that node's name,
// which the handshake tells. The port stays open until Stop; later calls
// and sends to the node go over it.
func (n *Node) ConnectSerial(ctx context.Context, address string) (term.Atom, error) {
	if !strings.HasPrefix(address, "serial:") {
		address = "serial:" + address
	}
	t, err := n.l.ParseTarget(address)
	if err != nil {
		return "", err
	}
	if err := n.l.ConnectTarget(ctx, &t); err != nil {
		return "", connErr(err)
	}
	return t.Node, nil
}

// target reads a node name, completing a bare one with our host.
func (n *Node) target(name term.Atom) (localnode.Target, error) {
	if strings.HasPrefix(string(name), "serial:") {
		return localnode.Target{}, fmt.Errorf("%s is a serial port, not a node name: use ConnectSerial", name)
	}
	return n.l.ParseTarget(string(name))
}

// fullName completes a bare node name with our host.
func (n *Node) fullName(name term.Atom) (term.Atom, error) {
	if strings.Contains(string(name), "@") {
		return name, nil
	}
	t, err := n.target(name)
	return t.Node, err
}

// Disconnect drops the connection to node (erlang:disconnect_node/1)
// and reports whether there was one.
func (n *Node) Disconnect(node term.Atom) bool { return n.l.Disconnect(node) }

// Peer describes a connected node.
type Peer struct {
	Node term.Atom
	// Kind is "beam" or "atomvm" (another avmsh node shows as "beam"
	// unless it has said otherwise).
	Kind string
	// Transport is "tcp", "tls" or "serial".
	Transport string
	// Hidden is true for a hidden node (erl -hidden, erl_call, avmsh).
	Hidden bool
}

// Peers lists the connected nodes, sorted by name.
func (n *Node) Peers() []Peer {
	infos := n.l.Nodes()
	out := make([]Peer, 0, len(infos))
	for _, p := range infos {
		out = append(out, Peer{Node: p.Node, Kind: p.Kind, Transport: p.Transport, Hidden: !p.Published})
	}
	return out
}

// NodeEvent is a connection to a node going up or down.
type NodeEvent struct {
	Node term.Atom
	Up   bool
	// Reason says why a connection went down ("connection_closed",
	// "net_tick_timeout", ...); empty for Up.
	Reason string
}

// NodeEvents reports connections going up and down, like
// net_kernel:monitor_nodes(true), until ctx ends or the node stops;
// then the channel is closed. Events are dropped rather than block the
// node when the receiver falls more than 64 events behind.
func (n *Node) NodeEvents(ctx context.Context) <-chan NodeEvent {
	in, cancel := n.l.Subscribe(64)
	out := make(chan NodeEvent, 64)
	go func() {
		defer close(out)
		defer cancel()
		for {
			select {
			case ev, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- NodeEvent{Node: ev.Node, Up: ev.Up, Reason: ev.Reason}:
				default: // the receiver is behind: drop, as the node does
				}
			case <-ctx.Done():
				return
			case <-n.l.Done():
				return
			}
		}
	}()
	return out
}

// ErrNoConnection: a node could not be reached (no epmd, name not
// registered, connection refused, wrong cookie, serial port unavailable)
// or the connection was lost during the operation.
var ErrNoConnection = errors.New("no connection")

// ErrTimeout: a call got no answer before its context's deadline. Unlike
// ErrNoConnection the function may have run.
var ErrTimeout = errors.New("timed out")

// sentinelError keeps an error's message and chain and adds a sentinel
// for errors.Is.
type sentinelError struct {
	err      error
	sentinel error
}

func (e *sentinelError) Error() string   { return e.err.Error() }
func (e *sentinelError) Unwrap() []error { return []error{e.err, e.sentinel} }

func connErr(err error) error {
	if err == nil {
		return nil
	}
	return &sentinelError{err: err, sentinel: ErrNoConnection}
}
