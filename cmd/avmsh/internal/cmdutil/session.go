package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/internal/erlangimpl"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/rpc"
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
	// RawConsole prints the console text of the node's serial ports as
	// it came; by default it is shown visibly (see ConsoleWriter). Not
	// a flag of its own: `serve --raw` sets it.
	RawConsole bool
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
	// Local is the command's node.
	Local    *localnode.Node
	Node     *node.Node
	GL       *gl.Server
	Registry *rpc.Registry
	Target   term.Atom
	// Peer describes the target once connected.
	Peer node.PeerInfo
	// Via is the serial address the target was reached over ("" for
	// TCP).
	Via string
}

// Stop ends the session's node (and closes its serial ports).
func (s *Session) Stop() { s.Local.Stop() }

func newSession(l *localnode.Node) *Session {
	return &Session{Local: l, Node: l.Node.Node, GL: l.GroupLeader(), Registry: l.Registry()}
}

// nameMode picks short or long names: from our own flags, else from the
// target's host (dotted or an IP address means long names).
func (o *NodeOptions) nameMode(targetHost string) node.NameMode {
	switch {
	case o.Name != "":
		return node.LongNames
	case o.SName != "":
		return node.ShortNames
	}
	return localnode.NameModeFor(targetHost)
}

// TargetName completes a node name given on the command line: "foo"
// becomes foo@<this host> (short or long per the flags).
func (o *NodeOptions) TargetName(spec string) (term.Atom, error) {
	t, err := o.ParseTarget(spec)
	if err != nil {
		return "", err
	}
	if t.IsSerial() {
		return "", UsageError("%s is a serial port, not a node name", spec)
	}
	return t.Node, nil
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
// configured by glo (nil: the command's streams, see StreamsIO).
func (o *NodeOptions) StartSessionIO(ctx context.Context, f *Factory, targetSpec string, glo *gl.Options) (*Session, error) {
	t, err := o.ParseTarget(targetSpec)
	if err != nil {
		return nil, err
	}
	l, err := o.StartNodeIO(ctx, f, []Target{t}, false, nil, glo)
	if err != nil {
		return nil, err
	}
	s := newSession(l)
	if err := o.ConnectTarget(ctx, l, &t); err != nil {
		s.Stop()
		return nil, err
	}
	// Connected, nothing asked yet: from here Ctrl-C must be handled
	// (WaitForInterruptsLater).
	InterruptsReady(ctx)
	s.Target, s.Via = t.Node, t.Serial
	s.Peer, _ = l.Peer(t.Node)
	return s, nil
}

// StartLocalSession starts the command's node with no target: the
// session's target is the local node itself (`avmsh shell` alone).
func (o *NodeOptions) StartLocalSession(ctx context.Context, f *Factory, glo *gl.Options) (*Session, error) {
	l, err := o.StartNodeIO(ctx, f, nil, false, nil, glo)
	if err != nil {
		return nil, err
	}
	s := newSession(l)
	s.Target = l.Name()
	s.Peer = node.PeerInfo{Node: l.Name(), Kind: node.KindAvmsh}
	return s, nil
}

// StartNodeFor starts the command's local node (through f.Node) for
// talking to targets, listening on TCP and registering with epmd when
// tcpListen is set, and accepting on the serial addresses in listen.
// The ports of serial targets and of listen are opened and listened on,
// so that the peer can reach us again over the same line, and their
// console text (boot logs, io:format on the UART) is printed to stderr,
// each line prefixed with the port: "[ttyUSB0] ...", with control
// characters shown visibly (ConsoleWriter). Its group leader
// writes to the command's stdout and reads its stdin.
func (o *NodeOptions) StartNodeFor(ctx context.Context, f *Factory, targets []Target, tcpListen bool, listen []string) (*localnode.Node, error) {
	return o.StartNodeIO(ctx, f, targets, tcpListen, listen, nil)
}

// StartNodeIO is StartNodeFor with the group leader configured by glo
// (nil: the command's streams).
func (o *NodeOptions) StartNodeIO(ctx context.Context, f *Factory, targets []Target, tcpListen bool, listen []string, glo *gl.Options) (*localnode.Node, error) {
	host := ""
	if len(targets) > 0 {
		host = targets[0].Host()
	}
	cfg, err := o.NodeConfig(f, host, tcpListen)
	if err != nil {
		return nil, err
	}
	cfg.Serial = append(cfg.Serial, listen...)
	for _, t := range targets {
		if t.IsSerial() {
			cfg.Serial = append(cfg.Serial, t.Serial)
		}
	}
	if glo != nil {
		setIO(&cfg, *glo)
	}
	n, err := f.StartNode(ctx, cfg)
	if err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, Unreachable(err)
	}
	return erlangimpl.Local(n), nil
}

// NodeConfig resolves the flags, the environment (AVMSH_COOKIE,
// ERL_EPMD_PORT) and the cookie file into the configuration of the
// command's node (the embedding API's, which the node starts from). targetHost is the host of the first target ("" for
// none): it decides short or long names when no flag does. With listen
// the node accepts TCP connections and registers with epmd.
func (o *NodeOptions) NodeConfig(f *Factory, targetHost string, listen bool) (erlang.Config, error) {
	ours := o.Name
	if ours == "" {
		ours = o.SName
	}
	name, err := localnode.OwnName(ours, o.nameMode(targetHost), targetHost)
	if err != nil {
		return erlang.Config{}, UsageError("%w", WithHint(err))
	}
	cookie, _, err := ResolveCookie(f, o.Cookie)
	if err != nil {
		return erlang.Config{}, err
	}
	depth, err := MaxTermDepth(f.Getenv)
	if err != nil {
		return erlang.Config{}, err
	}
	cfg := erlang.Config{
		Name:       name,
		Cookie:     cookie,
		Visible:    o.Visible,
		Listen:     listen,
		PortMapper: &epmd.PortMapper{Getenv: f.Getenv},
		Logger:     o.logger(f),
		Version:    f.Version,
		Console:    ConsoleWriter(f.IO.ErrOut, o.RawConsole),
	}
	cfg.MaxTermDepth = depth
	setIO(&cfg, StreamsIO(f))
	if o.TLSCert != "" {
		cfg.TLS = &erlang.TLS{CertFile: o.TLSCert, KeyFile: o.TLSKey, CAFile: o.TLSCA}
	}
	return cfg, nil
}

// setIO puts a group-leader configuration into cfg.
func setIO(cfg *erlang.Config, o gl.Options) {
	cfg.Output, cfg.Input, cfg.Columns = o.Out, nil, o.Columns
	switch {
	case o.In != nil && o.GetUntil != nil:
		cfg.Input = untilInput{o.In, o.GetUntil}
	case o.In != nil:
		cfg.Input = o.In
	}
}

// untilInput is a group leader's input that answers get_until requests
// itself (the shell's erl_scan:tokens).
type untilInput struct {
	gl.Input
	getUntil func(ctx context.Context, in gl.Input, prompt string, m, f term.Atom, args term.Term) (term.Term, error)
}

func (u untilInput) GetUntil(ctx context.Context, prompt string, m, f term.Atom, args term.Term) (term.Term, error) {
	return u.getUntil(ctx, u.Input, prompt, m, f, args)
}

// StreamsIO is the group-leader configuration of the command's streams:
// remote output to stdout, io:get_line from stdin.
func StreamsIO(f *Factory) gl.Options {
	var in gl.Input
	if f.IO.In != nil {
		in = gl.NewReaderInput(f.IO.In, f.IO.Out)
	}
	return gl.Options{Out: f.IO.Out, In: in, Columns: f.IO.Columns()}
}

func (o *NodeOptions) logger(f *Factory) *slog.Logger {
	if o.Verbose {
		return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
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
	default:
		hint = Hint(err) // an unknown name, a bad node name, ...
	}
	if hint == "" {
		return fmt.Errorf("cannot reach %s: %w", target, err)
	}
	return fmt.Errorf("cannot reach %s: %w\nhint: %s", target, err, hint)
}
