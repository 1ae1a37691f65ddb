package node

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// Defaults for the bounds on incoming connections still in their
// handshake (Config.MaxHandshakes, Config.MaxHandshakesPerSource).
const (
	// DefaultMaxHandshakes bounds the handshakes in progress on one
	// listener. Each costs a goroutine, a socket and a few hundred bytes
	// of heap (docs/benchmarks.md), and lasts at most SetupTime.
	DefaultMaxHandshakes = 1024
	// DefaultMaxHandshakesPerSource bounds those from one source: an IPv4
	// address, an IPv6 /64 network, or a serial device.
	DefaultMaxHandshakesPerSource = 64
)

// acceptOn runs the accept loop of a listener. The loop only accepts:
// each connection's transport handshake (TLS) and distribution handshake
// run on a goroutine of their own, bounded by SetupTime, so a client that
// connects and says nothing holds up nobody. Connections beyond the
// listener's bounds on pending handshakes are closed at once.
func (n *Node) acceptOn(l carrier.Listener) {
	g := newHandshakeGate(n.cfg.MaxHandshakes, n.cfg.MaxHandshakesPerSource)
	n.mu.Lock()
	n.gates = append(n.gates, g)
	n.mu.Unlock()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			c, err := l.Accept(n.ctx)
			if err != nil {
				if n.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
					return
				}
				if errors.Is(err, carrier.ErrHandshake) {
					n.log.Warn("refused an incoming connection", "listener", l.Addr(), "error", err)
					continue
				}
				n.log.Warn("accept failed", "listener", l.Addr(), "error", err)
				select {
				case <-n.ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			remote := c.Info().Remote
			src := sourceKey(remote)
			if why := g.admit(src); why != "" {
				c.Close()
				if refused, ok := g.shouldWarn(time.Now()); ok {
					n.log.Warn("closing incoming connections at once: too many handshakes in progress",
						"listener", l.Addr(), "bound", why, "remote", remote, "closed", refused)
				}
				continue
			}
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				defer g.release(src)
				n.acceptOne(c)
			}()
		}
	}()
}

// acceptOne runs the handshakes of one accepted connection and installs
// it, all within SetupTime.
func (n *Node) acceptOne(c carrier.Conn) {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.SetupTime)
	defer cancel()
	if h, ok := c.(carrier.Handshaker); ok {
		if err := h.Handshake(ctx); err != nil {
			c.Close()
			n.log.Warn("refused an incoming connection", "remote", c.Info().Remote, "error", err)
			return
		}
	}
	var claimed term.Atom
	decide := func(hp handshake.Peer) handshake.Status {
		st := n.decide(term.Atom(hp.Name))
		if st == handshake.StatusOK || st == handshake.StatusOKSimultaneous || st == handshake.StatusAlive {
			claimed = term.Atom(hp.Name)
		}
		return st
	}
	onAlive := func(peer string, replace bool) {
		if replace {
			n.Disconnect(term.Atom(peer))
		}
	}
	hp, err := handshake.Accept(ctx, c, n.handshakeConfig(), decide, onAlive)
	if err == nil {
		err = n.install(c, hp, false)
	}
	if err != nil {
		c.Close()
		n.log.Warn("incoming handshake failed", "remote", c.Info().Remote, "error", err)
		if claimed != "" {
			n.incomingFailed(claimed, err)
		}
	}
}

// PendingHandshakes returns how many incoming connections are in their
// handshake (TLS or distribution) on all listeners.
func (n *Node) PendingHandshakes() int {
	n.mu.Lock()
	gates := n.gates
	n.mu.Unlock()
	total := 0
	for _, g := range gates {
		g.mu.Lock()
		total += g.total
		g.mu.Unlock()
	}
	return total
}

// handshakeGate counts one listener's connections in their handshake,
// in all and per source.
type handshakeGate struct {
	max, perSource int

	mu       sync.Mutex
	total    int
	bySource map[string]int
	refused  int       // connections closed since the last warning
	warned   time.Time // when the last warning was logged
}

func newHandshakeGate(max, perSource int) *handshakeGate {
	if max <= 0 {
		max = DefaultMaxHandshakes
	}
	if perSource <= 0 {
		perSource = DefaultMaxHandshakesPerSource
	}
	return &handshakeGate{max: max, perSource: perSource, bySource: make(map[string]int)}
}

// admit counts a new connection from src in, or says which bound it
// would exceed.
func (g *handshakeGate) admit(src string) (exceeded string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.total >= g.max:
		exceeded = "per listener"
	case g.bySource[src] >= g.perSource:
		exceeded = "per source"
	default:
		g.total++
		g.bySource[src]++
		return ""
	}
	g.refused++
	return exceeded
}

// release counts a connection from src out: its handshake is over.
func (g *handshakeGate) release(src string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.bySource[src]--; g.bySource[src] <= 0 {
		delete(g.bySource, src)
	}
}

// shouldWarn rate-limits the warning about closed connections to one
// every 10 s per listener; it returns how many were closed since the
// last one.
func (g *handshakeGate) shouldWarn(now time.Time) (int, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.warned.IsZero() && now.Sub(g.warned) < 10*time.Second {
		return 0, false
	}
	g.warned = now
	n := g.refused
	g.refused = 0
	return n, true
}

// sourceKey is what the per-source bound counts by: the IP address of a
// TCP peer (its /64 network for IPv6, where one host easily has many
// addresses), or the remote address as is (a serial device).
func sourceKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
