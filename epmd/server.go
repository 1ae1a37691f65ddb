package epmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Server defaults.
const (
	// DefaultMaxConns caps simultaneous connections (OTP's epmd is
	// limited by select()'s FD_SETSIZE, 1024).
	DefaultMaxConns = 1024
	// DefaultMaxNodes caps live registrations.
	DefaultMaxNodes = 1000
	// DefaultPacketTimeout is how long a client may take to send its
	// request before it is dropped.
	DefaultPacketTimeout = 10 * time.Second
)

// AnyPort as Config.Port makes the server listen on a free port chosen
// by the system (for tests and benchmarks; read it with Server.Port).
const AnyPort = -1

// Config configures a Server. The zero value is OTP's default epmd: port
// 4369 (not ERL_EPMD_PORT; resolve that with EnvPort), all interfaces,
// KILL and STOP refused while nodes are registered.
type Config struct {
	// Port to listen on; 0 means DefaultPort, AnyPort a free port.
	Port int
	// Addresses are the IP addresses to listen on (like OTP's -address;
	// entries may hold several addresses separated by commas or spaces).
	// As in OTP, the loopback addresses are always added. Empty means
	// all interfaces, IPv4 and IPv6.
	Addresses []string
	// LoopbackOnly listens on 127.0.0.1 and ::1 only.
	LoopbackOnly bool
	// RelaxedCommandCheck allows KILL while nodes are registered, and
	// STOP (OTP's -relaxed_command_check).
	RelaxedCommandCheck bool
	// MaxConns caps simultaneous connections, registrations included
	// (DefaultMaxConns when 0). Connections beyond it are closed at once.
	MaxConns int
	// MaxNodes caps live registrations (DefaultMaxNodes when 0); an
	// ALIVE2 beyond it gets an error result.
	MaxNodes int
	// PacketTimeout is how long a client may take to send a complete
	// request (DefaultPacketTimeout when 0). Registrations have no
	// timeout.
	PacketTimeout time.Duration
	// Logger receives structured logs (discarded when nil).
	Logger *slog.Logger
	// Now is the clock creations are seeded from (time.Now when nil).
	Now func() time.Time
}

// Server is an epmd compatible with OTP's. Create it with NewServer,
// then Serve (or Listen and Start); Close stops it and waits for every
// goroutine it started.
type Server struct {
	cfg  Config
	log  *slog.Logger
	reg  *registry
	sem  chan struct{}
	bufs sync.Pool

	mu        sync.Mutex
	listeners []net.Listener
	closers   []io.Closer // closed with the listeners (raw listener duplicates)
	conns     map[*srvConn]struct{}
	started   bool
	stopping  bool
	port      int
	err       error // why it stopped, if not Close

	// netAccept makes the server accept through net.Listener only (the
	// path other systems take; tests set it to cover it on Linux).
	netAccept bool

	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
	nextID atomic.Uint64
}

// NewServer returns a server for cfg; it does not listen yet.
func NewServer(cfg Config) *Server {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxNodes <= 0 {
		cfg.MaxNodes = DefaultMaxNodes
	}
	if cfg.PacketTimeout <= 0 {
		cfg.PacketTimeout = DefaultPacketTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:   cfg,
		log:   log,
		reg:   newRegistry(cfg.MaxNodes, cfg.Now),
		sem:   make(chan struct{}, cfg.MaxConns),
		conns: make(map[*srvConn]struct{}),
		done:  make(chan struct{}),
	}
	s.bufs.New = func() any { return new([inbufSize]byte) }
	return s
}

type listenSpec struct {
	network, host string
	fatal         bool // a failure other than "in use" stops Listen
}

func (s *Server) specs() ([]listenSpec, error) {
	loopback := []listenSpec{{"tcp4", "127.0.0.1", true}, {"tcp6", "::1", false}}
	switch {
	case s.cfg.LoopbackOnly:
		return loopback, nil
	case len(s.cfg.Addresses) == 0:
		return []listenSpec{{"tcp", "", true}}, nil
	}
	// Like OTP: loopback first (a failure there is not fatal), then
	// every address given, skipping loopback ones.
	loopback[0].fatal = false
	out := loopback
	for _, a := range s.cfg.Addresses {
		for _, tok := range strings.FieldsFunc(a, func(r rune) bool { return r == ',' || r == ' ' }) {
			ip := net.ParseIP(strings.Trim(tok, "[]"))
			if ip == nil {
				return nil, fmt.Errorf("epmd: cannot parse IP address %q (want e.g. 192.168.1.10 or fe80::1)", tok)
			}
			if ip.IsLoopback() {
				continue
			}
			network := "tcp6"
			if ip.To4() != nil {
				network = "tcp4"
			}
			out = append(out, listenSpec{network, ip.String(), true})
		}
	}
	return out, nil
}

// Listen binds the configured addresses. When the port is taken the
// error satisfies errors.Is(err, syscall.EADDRINUSE).
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) > 0 {
		return nil
	}
	if s.stopping {
		return net.ErrClosed
	}
	specs, err := s.specs()
	if err != nil {
		return err
	}
	port := s.cfg.Port
	switch port {
	case 0:
		port = DefaultPort
	case AnyPort:
		port = 0
	}
	if port < 0 || port > 65535 {
		return fmt.Errorf("epmd: port %d is not a TCP port number", s.cfg.Port)
	}
	ls, port, err := s.bind(specs, port)
	for attempt := 0; err != nil && s.cfg.Port == AnyPort && errors.Is(err, syscall.EADDRINUSE) && attempt < 5; attempt++ {
		ls, port, err = s.bind(specs, 0) // the free port was free on one address only
	}
	if err != nil {
		return err
	}
	s.listeners, s.port = ls, port
	return nil
}

// bind listens on every spec at port (0: a free port, chosen by the
// first listener and reused by the others).
func (s *Server) bind(specs []listenSpec, port int) ([]net.Listener, int, error) {
	var ls []net.Listener
	fail := func(err error) error {
		for _, l := range ls {
			_ = l.Close()
		}
		return err
	}
	// No TCP keep-alive: lookups are short, and a registration is a
	// local connection the kernel closes when the node dies. This also
	// spares four setsockopt calls per accepted connection.
	lc := net.ListenConfig{KeepAlive: -1, Control: listenControl}
	for _, sp := range specs {
		addr := net.JoinHostPort(sp.host, strconv.Itoa(port))
		l, err := lc.Listen(context.Background(), sp.network, addr)
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				return nil, 0, fail(&PortInUseError{Addr: addr, Port: port, Err: err})
			}
			if !sp.fatal {
				s.log.Warn("epmd: cannot listen on loopback address", "addr", addr, "err", err)
				continue
			}
			return nil, 0, fail(fmt.Errorf("epmd: listen on %s: %w", addr, err))
		}
		if port == 0 {
			port = l.Addr().(*net.TCPAddr).Port
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return nil, 0, fmt.Errorf("epmd: could not listen on any address on port %d", port)
	}
	return ls, port, nil
}

// Port is the port the server listens on (after Listen).
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// Addrs are the addresses the server listens on (after Listen).
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]net.Addr, len(s.listeners))
	for i, l := range s.listeners {
		out[i] = l.Addr()
	}
	return out
}

// Start listens (if Listen was not called) and starts serving in the
// background; Close stops it.
func (s *Server) Start() error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return net.ErrClosed
	}
	if s.started {
		return nil
	}
	s.started = true
	for _, l := range s.listeners {
		s.wg.Add(1)
		go s.serveListener(l)
	}
	s.log.Info("epmd: listening", "port", s.port, "addrs", fmt.Sprint(addrStrings(s.listeners)), "relaxed_command_check", s.cfg.RelaxedCommandCheck)
	return nil
}

func addrStrings(ls []net.Listener) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Addr().String()
	}
	return out
}

// Serve starts the server and blocks until ctx is done, Close is called
// or a KILL request stops it; it closes everything before returning. It
// returns nil after ctx or Close, ErrKilled after a KILL request, or the
// error that stopped it.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Start(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-s.done:
	}
	_ = s.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// ListenAndServe is Serve; it exists for symmetry with net/http.
func (s *Server) ListenAndServe(ctx context.Context) error { return s.Serve(ctx) }

// Done is closed when the server stops (Close, or a KILL request).
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the server: it closes the listeners and every connection
// (which ends every registration) and waits for its goroutines.
func (s *Server) Close() error {
	s.stop(nil)
	s.wg.Wait()
	return nil
}

// stop closes everything without waiting; cause is why (nil for Close).
func (s *Server) stop(cause error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.stopping = true
		s.err = cause
		ls := s.listeners
		closers := s.closers
		conns := make([]*srvConn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, l := range ls {
			_ = l.Close()
		}
		for _, c := range closers {
			_ = c.Close()
		}
		for _, c := range conns {
			_ = c.Close()
		}
		close(s.done)
		s.log.Info("epmd: stopped", "port", s.Port(), "cause", errString(cause))
	})
}

func errString(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

// Snapshot returns the live registrations, newest first.
func (s *Server) Snapshot() []RegisteredNode { return s.reg.snapshot() }

// acceptLoop accepts with the net package; serveListener uses it where
// there is no faster way.
func (s *Server) acceptLoop(l net.Listener) {
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if !s.acceptBackoff(&backoff, l.Addr(), err) {
				return
			}
			continue
		}
		backoff = 0
		if !s.acquire(func() string { return c.RemoteAddr().String() }) {
			_ = c.Close()
			continue
		}
		s.admit(c, nil, 0)
	}
}

// acquire takes a connection slot, or says why not.
func (s *Server) acquire(remote func() string) bool {
	select {
	case s.sem <- struct{}{}:
		return true
	default:
		s.log.Warn("epmd: too many connections; closing a new one", "remote", remote(), "max_conns", s.cfg.MaxConns)
		return false
	}
}

// admit serves an accepted connection in its own goroutine; its slot in
// s.sem is already taken and pre holds bytes already read from it.
// id is the connection's id, or 0 for a new one.
func (s *Server) admit(c net.Conn, pre []byte, id uint64) {
	if id == 0 {
		id = s.nextID.Add(1)
	}
	sc := &srvConn{Conn: c, id: id, local: isLocalPeer(c)}
	if !s.track(sc) {
		<-s.sem
		_ = c.Close()
		return
	}
	s.wg.Add(1)
	go s.handle(sc, pre)
}

// acceptBackoff waits after a failed accept (EMFILE and friends), as
// net/http does; false means the server is stopping.
func (s *Server) acceptBackoff(backoff *time.Duration, addr net.Addr, err error) bool {
	*backoff = min(max(2**backoff, 5*time.Millisecond), time.Second)
	s.log.Warn("epmd: accept failed; retrying", "addr", addr.String(), "err", err, "retry_in", *backoff)
	t := time.NewTimer(*backoff)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// adopt closes c when the server stops (at once if it is stopping).
func (s *Server) adopt(c io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		_ = c.Close()
		return false
	}
	s.closers = append(s.closers, c)
	return true
}

func (s *Server) track(c *srvConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *srvConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	_ = c.Close()
	<-s.sem
}

// isLocalPeer is OTP's conn_local_peer_check: the peer is on a loopback
// address or on the address the connection arrived at.
func isLocalPeer(c net.Conn) bool {
	ra, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return false
	}
	if ra.IP.IsLoopback() {
		return true
	}
	la, ok := c.LocalAddr().(*net.TCPAddr)
	return ok && ra.IP.Equal(la.IP)
}
