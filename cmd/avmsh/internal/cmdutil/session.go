package cmdutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/stdlib"
	"github.com/avmsh/avmsh/vm/term"
)

// NodeOptions are the flags of every command that talks to Erlang nodes,
// in the spirit of erl_call.
type NodeOptions struct {
	SName   string
	Name    string
	Cookie  string
	Visible bool
	Address string
	Timeout time.Duration
	TLSCert string
	TLSKey  string
	TLSCA   string
	Verbose bool
}

// AddNodeFlags registers the shared flags.
func (o *NodeOptions) AddNodeFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.SName, "sname", "", "our node name with short names (`NAME`@host); the default is a random hidden name")
	fs.StringVar(&o.Name, "name", "", "our node name with long names (`NAME`@fqdn or NAME@ip)")
	fs.StringVarP(&o.Cookie, "cookie", "c", "", "cookie (default: $AVMSH_COOKIE, then ~/.erlang.cookie)")
	fs.BoolVar(&o.Visible, "visible", false, "connect as a visible node (default: hidden, like erl_call)")
	fs.StringVar(&o.Address, "address", "", "connect to `HOST:PORT` directly, skipping epmd")
	fs.DurationVarP(&o.Timeout, "timeout", "t", 60*time.Second, "give up after this long (0: never)")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "use TLS distribution with this certificate `FILE` (PEM)")
	fs.StringVar(&o.TLSKey, "tls-key", "", "private key `FILE` for --tls-cert (default: the cert file)")
	fs.StringVar(&o.TLSCA, "tls-ca", "", "CA certificates `FILE` that sign peers' certificates")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "log distribution events to stderr")
}

// Session is a running local node connected to a target.
type Session struct {
	Node     *node.Node
	GL       *gl.Server
	Registry *rpc.Registry
	Target   term.Atom
	// Peer describes the target once connected.
	Peer node.PeerInfo
	// Via is the serial address the target was reached over ("" for
	// TCP).
	Via string

	local *Local // set by StartSession: also owns the serial ports
}

// Stop ends the session's node.
func (s *Session) Stop() {
	if s.GL != nil {
		s.GL.Stop()
	}
	if s.local != nil {
		s.local.Stop()
		return
	}
	s.Node.Stop()
}

// nameMode picks short or long names: from our own flags, else from the
// target's host (dotted or an IP address means long names).
func (o *NodeOptions) nameMode(targetHost string) node.NameMode {
	switch {
	case o.Name != "":
		return node.LongNames
	case o.SName != "":
		return node.ShortNames
	case strings.Contains(targetHost, ".") || net.ParseIP(targetHost) != nil:
		return node.LongNames
	}
	return node.ShortNames
}

// TargetName completes a node name given on the command line: "foo"
// becomes foo@<this host> (short or long per the flags).
func (o *NodeOptions) TargetName(spec string) (term.Atom, error) {
	if strings.Contains(spec, "@") {
		if _, _, err := node.SplitNodeName(spec); err != nil {
			return "", UsageError("%v", err)
		}
		return term.Atom(spec), nil
	}
	mode := node.ShortNames
	if o.Name != "" {
		mode = node.LongNames
	}
	full, err := node.MakeNodeName(spec, mode, nil)
	if err != nil {
		return "", UsageError("%v", err)
	}
	return term.Atom(full), nil
}

// StartSession starts a hidden local node (not listening on TCP, not
// registered: peers reach it over the connection it opens) with a
// group-leader I/O server on the command's streams, and connects it to
// the target: a node name, or a serial port ("serial:/dev/ttyUSB0"),
// whose node name the handshake tells (see ParseTarget).
func (o *NodeOptions) StartSession(ctx context.Context, f *Factory, targetSpec string) (*Session, error) {
	return o.StartSessionIO(ctx, f, targetSpec, nil)
}

// StartSessionIO is StartSession with the group-leader I/O server
// configured by glo (nil: the command's streams, see NewSessionIO).
func (o *NodeOptions) StartSessionIO(ctx context.Context, f *Factory, targetSpec string, glo *gl.Options) (*Session, error) {
	t, err := o.ParseTarget(targetSpec)
	if err != nil {
		return nil, err
	}
	l, err := o.StartNodeFor(ctx, f, []Target{t}, false, nil)
	if err != nil {
		return nil, err
	}
	s, err := NewSessionIO(l.Node.Node, f, glo)
	if err != nil {
		l.Stop()
		return nil, err
	}
	s.local = l
	if err := o.ConnectTarget(ctx, l, &t); err != nil {
		s.Stop()
		return nil, err
	}
	s.Target, s.Via = t.Node, t.Serial
	s.Peer, _ = l.Peer(t.Node)
	return s, nil
}

// StartLocalSession starts the command's node with no target: the
// session's target is the local node itself (`avmsh shell` alone).
func (o *NodeOptions) StartLocalSession(ctx context.Context, f *Factory, glo *gl.Options) (*Session, error) {
	l, err := o.StartNodeFor(ctx, f, nil, false, nil)
	if err != nil {
		return nil, err
	}
	s, err := NewSessionIO(l.Node.Node, f, glo)
	if err != nil {
		l.Stop()
		return nil, err
	}
	s.local = l
	s.Target = l.Name()
	s.Peer = node.PeerInfo{Node: l.Name(), Kind: node.KindAvmsh}
	return s, nil
}

// StartNode starts the local node for a command. With listen it also
// listens and registers with epmd (starting an embedded epmd when none
// answers), so other nodes can connect to it.
func (o *NodeOptions) StartNode(ctx context.Context, f *Factory, targetHost string, listen bool) (*node.Node, error) {
	cfg, err := o.nodeConfig(f, targetHost, listen)
	if err != nil {
		return nil, err
	}
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return nil, Unreachable(err)
	}
	return n, nil
}

// nodeConfig is the configuration of the command's local node.
func (o *NodeOptions) nodeConfig(f *Factory, targetHost string, listen bool) (node.Config, error) {
	mode := o.nameMode(targetHost)
	ours := o.Name
	if ours == "" {
		ours = o.SName
	}
	if ours == "" {
		ours = randomName("avmsh_")
	}
	if !strings.Contains(ours, "@") && mode == node.LongNames {
		if ip := net.ParseIP(targetHost); ip != nil && ip.IsLoopback() || targetHost == serialdist.NodeHost {
			// Talking to localhost or over a serial line: name
			// ourselves the same way (serial: name@serial.local).
			ours += "@" + targetHost
		}
	}
	name, err := node.MakeNodeName(ours, mode, nil)
	if err != nil {
		return node.Config{}, UsageError("%v", err)
	}
	cookie, _, err := node.ResolveCookie(o.Cookie, f.Getenv, "")
	if err != nil {
		return node.Config{}, ExplainCookieFile(err)
	}
	depth, err := MaxTermDepth(f.Getenv)
	if err != nil {
		return node.Config{}, err
	}
	cfg := node.Config{
		Name:       name,
		Cookie:     cookie,
		Visible:    o.Visible,
		ListenAddr: "-",
		PortMapper: &epmd.PortMapper{Getenv: f.Getenv},
		Logger:     o.logger(f),
	}
	cfg.MaxTermDepth = depth
	if listen {
		cfg.ListenAddr = ""
	}
	if o.TLSCert != "" {
		cfg.TLS = &carrier.TLSFiles{CertFile: o.TLSCert, KeyFile: o.TLSKey, CAFile: o.TLSCA}
	}
	return cfg, nil
}

func (o *NodeOptions) logger(f *Factory) *slog.Logger {
	if o.Verbose {
		return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// NewSession wraps a started node with a group-leader I/O server on the
// command's streams and the built-in RPC modules.
func NewSession(n *node.Node, f *Factory) (*Session, error) { return NewSessionIO(n, f, nil) }

// NewSessionIO is NewSession with the I/O server configured by glo; nil
// means output to the command's stdout and input from its stdin.
func NewSessionIO(n *node.Node, f *Factory, glo *gl.Options) (*Session, error) {
	if glo == nil {
		var in gl.Input
		if f.IO.In != nil {
			in = gl.NewReaderInput(f.IO.In, f.IO.Out)
		}
		glo = &gl.Options{Out: f.IO.Out, In: in, Columns: f.IO.Columns()}
	}
	srv, err := gl.Start(n.Runtime(), *glo)
	if err != nil {
		return nil, err
	}
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, f.Version)
	stdlib.Register(reg)
	if err := rpc.Serve(n, reg); err != nil {
		srv.Stop()
		return nil, err
	}
	return &Session{Node: n, GL: srv, Registry: reg}, nil
}

func randomName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Explain turns a connection error into a message that says what to
// check next: the error says what happened, the hint (once) what to do.
func Explain(err error, target term.Atom) error {
	_, host, _ := node.SplitNodeName(string(target))
	hint := handshakeHint(err)
	switch {
	case hint != "":
	case errors.Is(err, epmd.ErrNoEpmd):
		hint = fmt.Sprintf("no epmd answers on %s: is an Erlang node running there? (if epmd uses another port, set ERL_EPMD_PORT)", host)
	case errors.Is(err, epmd.ErrNotRegistered):
		hint = fmt.Sprintf("check the node name: list the nodes with 'avmsh names %s'", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "the node's port refused the connection: it may have stopped (its epmd entry may be stale)"
	case errors.Is(err, context.DeadlineExceeded):
		hint = "timed out: the host may be unreachable or slow; raise --timeout"
	}
	if hint == "" {
		return fmt.Errorf("cannot reach %s: %w", target, err)
	}
	return fmt.Errorf("cannot reach %s: %w\nhint: %s", target, err, hint)
}
