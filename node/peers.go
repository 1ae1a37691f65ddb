package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// maxPending bounds the signals queued for a node while its connection is
// being set up; beyond it new signals are dropped (and logged).
const maxPending = 1 << 20

// peer is the table entry for one remote node.
type peer struct {
	name     term.Atom
	conn     *conn
	pending  []dist.Signal
	outgoing bool // our own set-up attempt is running
	incoming bool // an accepted handshake from this node is running
	awaiting bool // our attempt got nok: the peer's own attempt wins
	await    *time.Timer
	attempt  int // identifies the current outgoing attempt
	cancel   context.CancelFunc
	done     chan struct{} // closed when the current attempt ends
	err      error         // the last set-up error
}

// ErrNodeDown is wrapped by errors about unreachable nodes.
var ErrNodeDown = errors.New("node unreachable")

// Connect makes sure a connection to node exists, setting one up if
// needed (net_kernel:connect_node/1). It waits at most until ctx ends.
func (n *Node) Connect(ctx context.Context, node term.Atom) error {
	if node == n.name {
		return nil
	}
	if _, _, err := SplitNodeName(string(node)); err != nil {
		return err
	}
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return errors.New("node stopped")
	}
	p := n.peers[node]
	if p != nil && p.conn != nil {
		n.mu.Unlock()
		return nil
	}
	if p == nil {
		p = n.newPeerLocked(node)
	}
	if !p.outgoing && !p.incoming && !p.awaiting {
		n.startSetupLocked(p)
	}
	done := p.done
	n.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("connect to %s: %w", node, ctx.Err())
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[node]; p != nil && p.conn != nil {
		return nil
	}
	if p.err != nil {
		return p.err
	}
	return fmt.Errorf("connect to %s: %w", node, ErrNodeDown)
}

// ConnectVia connects through a specific dialer and address (a serial
// port, or a host:port that skips epmd) and learns the peer's name from
// the handshake. The route is remembered for reconnecting.
func (n *Node) ConnectVia(ctx context.Context, d carrier.Dialer, address string, expect term.Atom) (term.Atom, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.SetupTime)
	defer cancel()
	c, err := d.Dial(ctx, address)
	if err != nil {
		return "", fmt.Errorf("connect via %s: %w", address, err)
	}
	hp, err := handshake.Initiate(ctx, c, n.handshakeConfig(), string(expect), nil)
	if err != nil {
		c.Close()
		return "", err // a *handshake.Error names the link
	}
	name := term.Atom(hp.Name)
	n.mu.Lock()
	n.routes[name] = route{dialer: d, address: address}
	n.mu.Unlock()
	if err := n.install(c, hp, true); err != nil {
		return "", err
	}
	return name, nil
}

// SetRoute tells the node how to reach name without epmd.
func (n *Node) SetRoute(name term.Atom, d carrier.Dialer, address string) {
	n.mu.Lock()
	n.routes[name] = route{dialer: d, address: address}
	n.mu.Unlock()
}

// Disconnect drops the connection to node (erlang:disconnect_node/1).
func (n *Node) Disconnect(node term.Atom) bool {
	n.mu.Lock()
	p := n.peers[node]
	var k *conn
	if p != nil {
		k = p.conn
	}
	n.mu.Unlock()
	if k == nil {
		return false
	}
	k.close(errors.New("disconnect"))
	return true
}

func (n *Node) newPeerLocked(name term.Atom) *peer {
	p := &peer{name: name, done: make(chan struct{})}
	n.peers[name] = p
	return p
}

func (n *Node) startSetupLocked(p *peer) {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.SetupTime)
	p.outgoing = true
	p.attempt++
	p.cancel = cancel
	if p.done == nil {
		p.done = make(chan struct{})
	}
	attempt := p.attempt
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer cancel()
		err := n.setup(ctx, p.name)
		if err != nil {
			n.setupFailed(p.name, attempt, err)
		}
	}()
}

// setup dials and handshakes with name.
func (n *Node) setup(ctx context.Context, name term.Atom) error {
	n.mu.Lock()
	r, haveRoute := n.routes[name]
	n.mu.Unlock()
	d, address := r.dialer, r.address
	if !haveRoute {
		alive, host, err := SplitNodeName(string(name))
		if err != nil {
			return err
		}
		if n.cfg.PortMapper == nil {
			return fmt.Errorf("connect to %s: %w: no epmd configured and no known route", name, ErrNodeDown)
		}
		port, err := n.cfg.PortMapper.Lookup(ctx, host, alive)
		if err != nil {
			return fmt.Errorf("connect to %s: %w: %w", name, ErrNodeDown, err)
		}
		d, address = n.dialer, net.JoinHostPort(host, strconv.Itoa(port))
	}
	c, err := d.Dial(ctx, address)
	if err != nil {
		return fmt.Errorf("connect to %s at %s: %w: %w", name, address, ErrNodeDown, err)
	}
	hp, err := handshake.Initiate(ctx, c, n.handshakeConfig(), string(name), func() bool { return true })
	if err != nil {
		c.Close()
		return fmt.Errorf("connect to %s at %s: %w", name, address, err)
	}
	return n.install(c, hp, true)
}

// setupFailed ends a failed outgoing attempt: queued signals that expect
// an answer get the answer Erlang gives for an unreachable node.
func (n *Node) setupFailed(name term.Atom, attempt int, err error) {
	n.mu.Lock()
	p := n.peers[name]
	if p == nil || p.attempt != attempt || (!p.outgoing && !p.awaiting) || p.conn != nil {
		n.mu.Unlock()
		return // superseded (e.g. a simultaneous incoming connection won)
	}
	p.outgoing = false
	var he *handshake.Error
	if errors.As(err, &he) && he.Status == handshake.StatusNOK && !p.awaiting {
		// The peer is connecting to us and its name wins the
		// simultaneous connect (erl_dist_protocol, "nok"): wait for its
		// connection instead of failing, for at most the set-up time.
		p.awaiting = true
		p.await = time.AfterFunc(n.cfg.SetupTime, func() {
			n.setupFailed(name, attempt, fmt.Errorf("%w; and its own connection did not arrive in %v", err, n.cfg.SetupTime))
		})
		n.mu.Unlock()
		return
	}
	p.awaiting = false
	p.err = err
	pending := p.pending
	p.pending = nil
	done := p.done
	p.done = nil
	if !p.incoming && p.conn == nil {
		delete(n.peers, name)
	}
	n.mu.Unlock()
	if done != nil {
		close(done)
	}
	n.log.Info("connection set-up failed", "peer", name, "error", err)
	n.failPending(pending)
}

func (n *Node) failPending(pending []dist.Signal) {
	for _, s := range pending {
		switch s.Kind {
		case dist.KindLink:
			if from, ok := s.From.(term.Pid); ok {
				if to, ok := s.To.(term.Pid); ok {
					n.rt.RemoteExit(to, from, term.Atom("noconnection"), true)
				}
			}
		case dist.KindMonitor:
			if from, ok := s.From.(term.Pid); ok {
				if ref, ok := s.Ref.(term.Ref); ok {
					n.rt.RemoteDown(from, ref, term.Atom("noconnection"))
				}
			}
		case dist.KindSpawnRequest:
			reqID, _ := s.ReqID.(term.Ref)
			from, _ := s.From.(term.Pid)
			n.spawnNoConnection(reqID, from)
		}
	}
}

// install makes an established connection live and flushes the signals
// queued while it was being set up, in order.
func (n *Node) install(c carrier.Conn, hp handshake.Peer, initiator bool) error {
	name := term.Atom(hp.Name)
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		c.Close()
		return errors.New("node stopped")
	}
	if err := c.StartData(); err != nil {
		n.mu.Unlock()
		c.Close()
		return err
	}
	p := n.peers[name]
	if p == nil {
		p = n.newPeerLocked(name)
	}
	old := p.conn
	delete(n.downs, name)
	k := newConn(n, c, hp, initiator)
	if qa, ok := c.(carrier.QuickAcker); ok {
		// AtomVM leaves Nagle on: without an ACK at once, its second
		// packet of a pair waits for our delayed ACK (carrier.QuickAcker).
		// BEAM sets TCP_NODELAY, so its connections need no extra syscall.
		qa.SetQuickAck(k.caps.AtomVM)
	}
	p.conn = k
	p.outgoing, p.incoming, p.awaiting, p.err = false, false, false, nil
	if p.await != nil {
		p.await.Stop()
		p.await = nil
	}
	if p.cancel != nil {
		p.cancel = nil
	}
	pending := p.pending
	p.pending = nil
	done := p.done
	p.done = nil
	k.start()
	for _, s := range pending {
		if err := k.send(s); err != nil {
			n.log.Warn("dropping a queued signal", "peer", name, "error", err)
		}
	}
	// Published for routeNow's fast path only now, so that no send can
	// overtake the signals queued while connecting.
	n.live.Store(name, k)
	n.lastLive.Store(nil) // may hold the connection this one replaces
	n.mu.Unlock()
	if done != nil {
		close(done)
	}
	if old != nil {
		old.close(errors.New("replaced by a new connection"))
	}
	info := k.info()
	n.log.Info("nodeup", "peer", name, "transport", info.Transport, "kind", info.Kind, "initiator", initiator)
	n.events.publish(NodeEvent{Node: name, Up: true, Info: info})
	return nil
}

// connDown is called by the reader when a connection ends.
func (n *Node) connDown(k *conn) {
	k.close(errors.New("connection closed"))
	reason := k.closeReason()
	n.mu.Lock()
	p := n.peers[k.name]
	current := p != nil && p.conn == k
	if current {
		n.live.CompareAndDelete(k.name, k)
		n.lastLive.CompareAndSwap(k, nil)
		p.conn = nil
		if !p.outgoing && !p.incoming && len(p.pending) == 0 {
			delete(n.peers, k.name)
		}
		// Recorded before NodeDown delivers noconnection, so a caller
		// woken by it can ask why (DisconnectReason).
		if len(n.downs) >= maxDownReasons {
			clear(n.downs)
		}
		n.downs[k.name] = reason
	}
	stopped := n.stopped
	n.mu.Unlock()
	// Requests sent on k get no reply now, even when k was replaced.
	n.failSpawns(k)
	if !current {
		return // replaced: the new connection owns the node's state
	}
	if !stopped {
		n.rt.NodeDown(k.name)
	}
	n.log.Info("nodedown", "peer", k.name, "reason", reason)
	n.events.publish(NodeEvent{Node: k.name, Up: false, Reason: reasonText(reason), Info: k.info()})
}

// maxDownReasons bounds how many nodes' disconnect reasons are kept.
const maxDownReasons = 1024

// DisconnectReason returns why the last connection to node ended, while
// no new one has been made: a read or write error, net_tick_timeout, or
// a packet that could not be decoded (for a term nested too deep, an
// error wrapping *etf.DepthError). It returns nil when node is
// connected or nothing is known.
func (n *Node) DisconnectReason(node term.Atom) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.downs[node]
}

func reasonText(err error) string {
	switch {
	case err == nil:
		return "connection_closed"
	case errors.Is(err, errNetTickTimeout):
		return "net_tick_timeout"
	}
	return err.Error()
}

// decide answers an incoming send_name (erl_dist_protocol, "recv_status"):
// ok if we have nothing for that node, alive if connected, and for a
// simultaneous connect the node whose name sorts higher wins.
func (n *Node) decide(name term.Atom) handshake.Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return handshake.StatusNotAllowed
	}
	p := n.peers[name]
	switch {
	case p == nil:
		p = n.newPeerLocked(name)
		p.incoming = true
		return handshake.StatusOK
	case p.conn != nil:
		return handshake.StatusAlive
	case p.incoming:
		return handshake.StatusNOK
	case p.outgoing:
		if name > n.name {
			p.cancel()
			p.outgoing = false
			p.attempt++ // the cancelled attempt must not clean up
			p.incoming = true
			return handshake.StatusOKSimultaneous
		}
		return handshake.StatusNOK
	}
	p.incoming = true
	return handshake.StatusOK
}

func (n *Node) incomingFailed(name term.Atom, err error) {
	n.mu.Lock()
	p := n.peers[name]
	if p == nil || !p.incoming || p.conn != nil {
		n.mu.Unlock()
		return
	}
	p.incoming = false
	if len(p.pending) > 0 && !p.outgoing {
		// Signals are waiting: try our own connection now.
		n.startSetupLocked(p)
		n.mu.Unlock()
		return
	}
	done := p.done
	p.done = nil
	if !p.outgoing {
		delete(n.peers, name)
	}
	n.mu.Unlock()
	if done != nil {
		close(done)
	}
}

// route sends a signal to a node, connecting first if needed.
func (n *Node) route(node term.Atom, s dist.Signal) error {
	if n.hold(node, s) {
		return nil // sent in order once the sender's monitor is resolved (order.go)
	}
	return n.routeNow(node, s)
}

// routeNow sends s to node, or queues it while the connection is set up.
func (n *Node) routeNow(node term.Atom, s dist.Signal) error {
	if node == n.name {
		return fmt.Errorf("route to %s: the local node is not reached over distribution", node)
	}
	if k := n.liveConn(node); k != nil && !n.stopping.Load() {
		return k.send(s) // connected: no need for the node's lock
	}
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return errors.New("node stopped")
	}
	p := n.peers[node]
	if p != nil && p.conn != nil {
		k := p.conn
		n.mu.Unlock()
		return k.send(s)
	}
	if _, _, err := SplitNodeName(string(node)); err != nil {
		n.mu.Unlock()
		return err
	}
	if p == nil {
		p = n.newPeerLocked(node)
	}
	if len(p.pending) >= maxPending {
		n.mu.Unlock()
		n.log.Warn("dropping a signal: too many queued while connecting", "peer", node)
		return nil
	}
	p.pending = append(p.pending, s)
	if !p.outgoing && !p.incoming && !p.awaiting {
		n.startSetupLocked(p)
	}
	n.mu.Unlock()
	return nil
}
