package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// PortMapper registers this node and finds other nodes' ports (epmd).
type PortMapper interface {
	// Register publishes alive on port and returns the creation epmd
	// assigned; unregister ends the registration.
	Register(ctx context.Context, alive string, port int, hidden bool) (creation uint32, unregister io.Closer, err error)
	// Lookup returns the distribution port of alive on host.
	Lookup(ctx context.Context, host, alive string) (port int, err error)
}

// Config configures a Node.
type Config struct {
	// Name is the full node name ("avmsh@localhost"); build it with
	// MakeNodeName.
	Name string
	// Cookie is the default cookie (never logged).
	Cookie string
	// Visible publishes the node (DFLAG_PUBLISHED) so BEAM lists it in
	// nodes(); by default avmsh is hidden, like erl_call and remsh.
	Visible bool
	// ListenAddr is where TCP/TLS distribution listens ("0.0.0.0:0" when
	// empty, like erl: all interfaces, any port). "-" disables listening.
	ListenAddr string
	// TLS, when set, makes every TCP connection (in and out) use TLS.
	TLS *carrier.TLSFiles
	// PortMapper registers and looks up nodes (epmd); nil disables both
	// (then only direct addresses and serial routes work).
	PortMapper PortMapper
	// TickTime is net_ticktime (60 s when 0): a tick every TickTime/4 on
	// an idle connection, and a peer silent for TickTime is dropped.
	TickTime time.Duration
	// SetupTime bounds connection set-up including the handshakes, TLS
	// and distribution, in both directions (7 s, OTP's net_setuptime).
	SetupTime time.Duration
	// MaxHandshakes bounds the incoming connections of one listener that
	// are still in their handshake (DefaultMaxHandshakes when 0), and
	// MaxHandshakesPerSource those from one source address
	// (DefaultMaxHandshakesPerSource when 0). A connection beyond either
	// bound is closed at once, so clients that connect and say nothing
	// cost little and cannot keep others out (docs/distribution.md).
	MaxHandshakes          int
	MaxHandshakesPerSource int
	// MaxTermDepth bounds how deeply a term sent or received over
	// distribution may nest (etf.DefaultMaxDepth, 10,000 levels, when 0;
	// at most MaxTermDepthLimit). A term too deep to send fails the send
	// with an *etf.DepthError; a received one ends the connection (as
	// OTP does with a packet it cannot decode) with that error as the
	// reason, which DisconnectReason reports.
	MaxTermDepth int
	// Creation overrides the creation (otherwise epmd's, or random).
	Creation uint32
	// Logger receives structured logs (slog.Default when nil).
	Logger *slog.Logger
	// Listeners are extra transports to accept connections on (serial).
	Listeners []carrier.Listener

	fragmentSize int             // tests
	withoutFlags handshake.Flags // tests: flags not offered (an older peer's)
}

// MaxTermDepthLimit is the largest Config.MaxTermDepth. The encoder and
// decoder recurse once per level: 100,000 levels take about 64 MiB of
// goroutine stack (a million would need over 500 MiB, and overflow Go's
// 1 GB stack limit under the race detector).
const MaxTermDepthLimit = 100_000

// Node is an Erlang distribution node: the local runtime plus its
// connections to other nodes. Create it with Start; Stop ends it and
// every goroutine it started.
type Node struct {
	cfg      Config
	name     term.Atom
	creation uint32
	flags    handshake.Flags
	rt       *vm.Runtime
	log      *slog.Logger
	dialer   carrier.Dialer
	tcp      *carrier.TCPListener
	unreg    io.Closer

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	peers map[term.Atom]*peer
	// live holds the established connections (term.Atom → *conn), the
	// same as peers[name].conn, for senders to find without mu.
	live     sync.Map
	lastLive atomic.Pointer[conn] // the connection found last (a one-entry cache of live)
	stopping atomic.Bool          // stopped, readable without mu
	routes   map[term.Atom]route
	cookies  map[term.Atom]string
	downs    map[term.Atom]error // why the last connection to a node ended
	gates    []*handshakeGate    // one per listener

	spawnMu        sync.Mutex            // orders AbandonSpawn with spawn_reply delivery
	abandoned      map[term.Ref]struct{} // spawn requests given up (AbandonSpawn)
	abandonedOrder []term.Ref            // oldest first, to bound the map
	events         eventHub
	spawn          SpawnHandler
	resolver       NameResolver
	stopped        bool

	unlinkIDs atomic.Uint64

	// held orders the signals sent while a monitor by name on AtomVM
	// is resolved (order.go).
	heldMu sync.Mutex
	held   map[term.Pid]*heldQueue
	heldN  atomic.Int32 // len(held), read without heldMu
}

// liveConn returns the established connection to node, if any.
func (n *Node) liveConn(node term.Atom) *conn {
	if k := n.lastLive.Load(); k != nil && k.name == node {
		return k // a stream to one node: no map lookup
	}
	v, ok := n.live.Load(node)
	if !ok {
		return nil
	}
	k := v.(*conn)
	n.lastLive.Store(k)
	// A connection that went down meanwhile must not stay cached.
	if cur, ok := n.live.Load(node); !ok || cur != v {
		n.lastLive.CompareAndSwap(k, nil)
		return nil
	}
	return k
}

// route says how to reach a node without epmd (e.g. over a serial port).
type route struct {
	dialer  carrier.Dialer
	address string
}

// Start starts the node: the runtime, the listener(s), the epmd
// registration and the net_kernel process.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if _, _, err := SplitNodeName(cfg.Name); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	if cfg.TickTime <= 0 {
		cfg.TickTime = 60 * time.Second
	}
	if cfg.SetupTime <= 0 {
		cfg.SetupTime = handshake.DefaultTimeout
	}
	if cfg.MaxTermDepth < 0 || cfg.MaxTermDepth > MaxTermDepthLimit {
		return nil, fmt.Errorf("start node %s: a term depth limit of %d is outside 1..%d", cfg.Name, cfg.MaxTermDepth, MaxTermDepthLimit)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "0.0.0.0:0"
	}
	n := &Node{
		cfg:     cfg,
		name:    term.Atom(cfg.Name),
		log:     cfg.Logger.With("node", cfg.Name),
		peers:   make(map[term.Atom]*peer),
		routes:  make(map[term.Atom]route),
		cookies: make(map[term.Atom]string),
		downs:   make(map[term.Atom]error),

		abandoned: make(map[term.Ref]struct{}),
		flags:     handshake.Default,
	}
	if cfg.Visible {
		n.flags |= handshake.Published
	}
	n.flags &^= cfg.withoutFlags
	var clientTLS, serverTLS *tls.Config
	if cfg.TLS != nil {
		c, s, err := cfg.TLS.Configs()
		if err != nil {
			return nil, fmt.Errorf("start node %s: %w", cfg.Name, err)
		}
		clientTLS, serverTLS = c, s
	}
	n.dialer = &carrier.TCPDialer{TLS: clientTLS}
	if cfg.ListenAddr != "-" {
		l, err := carrier.ListenTCP(cfg.ListenAddr, serverTLS, 0)
		if err != nil {
			return nil, fmt.Errorf("start node %s: %w", cfg.Name, err)
		}
		n.tcp = l
	}
	n.creation = cfg.Creation
	if cfg.PortMapper != nil && n.tcp != nil {
		alive, _, _ := SplitNodeName(cfg.Name)
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		creation, unreg, err := cfg.PortMapper.Register(rctx, alive, n.tcp.Port(), !cfg.Visible)
		cancel()
		if err != nil {
			n.tcp.Close()
			return nil, fmt.Errorf("start node %s: register with epmd: %w", cfg.Name, err)
		}
		n.unreg = unreg
		if n.creation == 0 {
			n.creation = creation
		}
	}
	if n.creation == 0 {
		n.creation = randomCreation()
	}
	n.rt = vm.New(vm.Config{Node: n.name, Creation: n.creation, Logger: n.log})
	n.rt.SetRouter(router{n})
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.startNetKernel(); err != nil {
		n.Stop()
		return nil, err
	}
	if cfg.Visible {
		if err := n.startGlobal(); err != nil {
			n.Stop()
			return nil, err
		}
	}
	if n.tcp != nil {
		n.acceptOn(n.tcp)
	}
	for _, l := range cfg.Listeners {
		n.acceptOn(l)
	}
	return n, nil
}

func randomCreation() uint32 {
	c := rand.Uint32() // not a secret (see localnode.RandomName)
	if c < 4 {
		c += 4
	}
	return c
}

// Name returns the node name.
func (n *Node) Name() term.Atom { return n.name }

// Creation returns the node's creation.
func (n *Node) Creation() uint32 { return n.creation }

// Runtime returns the local process runtime.
func (n *Node) Runtime() *vm.Runtime { return n.rt }

// ListenPort returns the TCP distribution port (0 if not listening).
func (n *Node) ListenPort() int {
	if n.tcp == nil {
		return 0
	}
	return n.tcp.Port()
}

// Logger returns the node's logger.
func (n *Node) Logger() *slog.Logger { return n.log }

// SetCookie sets the cookie used with one node (erlang:set_cookie/2).
func (n *Node) SetCookie(node term.Atom, cookie string) {
	n.mu.Lock()
	n.cookies[node] = cookie
	n.mu.Unlock()
}

func (n *Node) cookieFor(peer string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.cookies[term.Atom(peer)]; ok {
		return c
	}
	return n.cfg.Cookie
}

func (n *Node) handshakeConfig() handshake.Config {
	return handshake.Config{
		Name:     string(n.name),
		Flags:    n.flags,
		Creation: n.creation,
		Cookie:   n.cookieFor,
		Required: handshake.Required,
	}
}

func (n *Node) tickInterval() time.Duration { return n.cfg.TickTime / 4 }

// Stop disconnects every peer, stops every process and goroutine, and
// unregisters from epmd.
func (n *Node) Stop() {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return
	}
	n.stopped = true
	n.stopping.Store(true)
	var conns []*conn
	for _, p := range n.peers {
		if p.conn != nil {
			conns = append(conns, p.conn)
		}
		if p.cancel != nil {
			p.cancel()
		}
		if p.await != nil {
			p.await.Stop()
		}
	}
	n.mu.Unlock()
	if n.cancel != nil {
		n.cancel()
	}
	if n.tcp != nil {
		n.tcp.Close()
	}
	for _, l := range n.cfg.Listeners {
		l.Close()
	}
	for _, k := range conns {
		k.close(errors.New("node stopped"))
	}
	n.wg.Wait()
	if n.rt != nil {
		n.rt.Shutdown()
	}
	if n.unreg != nil {
		n.unreg.Close()
	}
	n.events.closeAll()
}

// Done is closed when Stop has been called.
func (n *Node) Done() <-chan struct{} { return n.ctx.Done() }
