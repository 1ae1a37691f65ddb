package serialnode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// Config configures Start.
type Config struct {
	// Node configures the node itself (name, cookie, TCP listening,
	// epmd). The serial listener is added to its Listeners.
	Node node.Config
	// Listen are serial addresses ("serial:/dev/ttyUSB0?baud=921600")
	// to accept connections on. A port that is listened on can also be
	// dialed (Dial); each port carries one connection at a time.
	Listen []string
	// Port tunes the ports the node opens (zero: what AtomVM expects).
	Port serialdist.PortConfig
}

// Node is a distribution node with serial ports. It embeds *node.Node;
// stop it with Stop (which also closes the ports), not with Node.Stop.
type Node struct {
	*node.Node
	t *serialdist.Transport
	l *serialdist.Listener

	mu     sync.Mutex
	opts   map[string]serialdist.Options // device → line settings, for routes
	peers  map[string]map[term.Atom]bool // device → nodes reached over it
	routes chan struct{}                 // closed when the route learner ends (nil: not started)
	once   sync.Once

	ctx     context.Context // ends at Stop: redials after a loan
	cancel  context.CancelFunc
	redials sync.WaitGroup
	stopped bool // under mu: Stop has begun, start no redial
	unhook  func()
}

// Start opens the ports of cfg.Listen, starts the node accepting
// connections on them (and on TCP as cfg.Node says), and remembers each
// port as the route back to the nodes that connect over it.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	t := serialdist.NewTransport(cfg.Port)
	sn := &Node{t: t, opts: make(map[string]serialdist.Options), peers: map[string]map[term.Atom]bool{}}
	sn.ctx, sn.cancel = context.WithCancel(context.Background())
	if len(cfg.Listen) > 0 {
		l, err := t.Listen(cfg.Listen...)
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("start node %s: %w", cfg.Node.Name, err)
		}
		sn.l = l
		for _, p := range l.Ports() {
			sn.opts[p.Name()] = p.Options()
		}
		cfg.Node.Listeners = append(slices.Clip(cfg.Node.Listeners), l)
	}
	n, err := node.Start(ctx, cfg.Node)
	if err != nil {
		if sn.l != nil {
			sn.l.Close()
		}
		t.Close()
		sn.cancel()
		return nil, err
	}
	sn.Node = n
	sn.unhook = t.OnReopen(sn.redialAfterLoan)
	if sn.l != nil {
		sn.learnRoutes()
	}
	return sn, nil
}

// learnRoutes starts the route learner once: it remembers the serial
// connections that come up (learn). A node without serial ports has no
// serial connection to learn from, so it starts with the first port
// (at Start for the ports listened on, else at the first Dial): a
// one-shot command over TCP runs no learner goroutine (issue 16:
// start-up).
func (n *Node) learnRoutes() {
	n.mu.Lock()
	if n.routes != nil || n.stopped {
		n.mu.Unlock()
		return
	}
	n.routes = make(chan struct{})
	// Subscribed under mu, before Stop (which sets stopped under mu
	// first) can close the subscriptions: the learner's channel is
	// closed by node.Stop, whenever it comes. Subscribe first, then look
	// at what is already connected: a connection accepted in between
	// shows up in both, which is harmless.
	events, _ := n.Subscribe(256)
	n.mu.Unlock()
	for _, pi := range n.Nodes() {
		n.learn(pi)
	}
	go func() {
		defer close(n.routes)
		for ev := range events { // closed by node.Stop
			if ev.Up {
				n.learn(ev.Info)
			}
		}
	}()
}

// learn records the port an inbound serial connection came in on as the
// route to its node, so that a later send after the link dropped redials
// over the same port (the peer's link manager answers there). Outgoing
// connections got their route from Dial already.
func (n *Node) learn(pi node.PeerInfo) {
	if pi.Transport != "serial" {
		return
	}
	n.remember(pi.Remote, pi.Node)
	if pi.Initiator {
		return
	}
	n.mu.Lock()
	opts, ok := n.opts[pi.Remote]
	n.mu.Unlock()
	if !ok {
		return // not one of this node's ports
	}
	addr := serialdist.Address{Device: pi.Remote, Options: opts}.String()
	n.SetRoute(pi.Node, n.t, addr)
	n.Logger().Debug("serial route learned", "peer", pi.Node, "address", addr)
}

// Dial connects over the serial address (see serialdist.ParseAddress),
// learns the peer's node name from the handshake and returns it. The
// port stays open (and shared with the listener, if it listens there)
// until Stop; later sends to that node reconnect over it.
func (n *Node) Dial(ctx context.Context, address string) (term.Atom, error) {
	a, err := serialdist.ParseAddress(address)
	if err != nil {
		return "", err
	}
	n.learnRoutes()
	p, err := n.t.Port(a)
	if err != nil {
		return "", err
	}
	addr := serialdist.Address{Device: p.Name(), Options: p.Options()}.String()
	n.mu.Lock()
	n.opts[p.Name()] = p.Options()
	n.mu.Unlock()
	name, err := n.ConnectVia(ctx, n.t, addr, "")
	if err != nil {
		return "", explain(err, p)
	}
	n.remember(p.Name(), name)
	return name, nil
}

// remember notes that peer was reached over device.
func (n *Node) remember(device string, peer term.Atom) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.peers[device] == nil {
		n.peers[device] = map[term.Atom]bool{}
	}
	n.peers[device][peer] = true
}

// RedialTimeout bounds how long a node waits, after a port came back
// from a loan (a flash), for the board's new application to start serial
// distribution before it gives up redialling.
const RedialTimeout = 2 * time.Minute

// redialAfterLoan runs when a port comes back from a loan: the board has
// (typically) been flashed and restarted. Once its new application
// starts serial distribution (its idle link manager sends sync markers)
// the node dials the nodes it had reached over the port; AtomVM never
// dials, so avmsh owns reconnection.
func (n *Node) redialAfterLoan(p *serialdist.Port) {
	n.mu.Lock()
	var peers []term.Atom
	for peer := range n.peers[p.Name()] {
		peers = append(peers, peer)
	}
	if len(peers) == 0 || n.stopped {
		n.mu.Unlock()
		return
	}
	// Added under mu, which Stop takes before it waits: a hook the
	// transport runs while Stop is waiting starts nothing.
	n.redials.Add(1)
	n.mu.Unlock()
	go func() {
		defer n.redials.Done()
		ctx, cancel := context.WithTimeout(n.ctx, RedialTimeout)
		defer cancel()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for p.Stats().Markers == 0 {
			select {
			case <-ctx.Done():
				n.Logger().Info("serial node not redialled: no serial distribution on the port after the loan", "port", p.Name())
				return
			case <-p.Done():
				return
			case <-t.C:
			}
		}
		addr := serialdist.Address{Device: p.Name(), Options: p.Options()}.String()
		name, err := n.ConnectVia(ctx, n.t, addr, "")
		if err != nil {
			n.Logger().Info("serial node not redialled after the loan", "port", p.Name(), "err", err)
			return
		}
		n.remember(p.Name(), name)
		n.Logger().Info("serial node redialled after the loan", "port", p.Name(), "node", name, "before", peers)
	}()
}

// explain adds what to check when nothing answered on a port.
func explain(err error, p *serialdist.Port) error {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, serialdist.ErrPeerIdle) {
		return err
	}
	st := p.Stats()
	var hint string
	switch {
	case st.Markers == 0 && st.FramesIn == 0 && st.ConsoleBytes == 0:
		hint = "nothing at all arrived on the port: is the board running, at this speed (?baud=...), and does it start serial distribution?"
	case st.Markers == 0 && st.FramesIn == 0:
		hint = fmt.Sprintf("only console text arrived (%d bytes): the board runs, but no serial distribution answered; check its avm_dist_opts/uart_opts and the speed", st.ConsoleBytes)
	case st.CRCErrors > 0:
		hint = fmt.Sprintf("%d frames failed their CRC: check that both sides use the same speed and line settings", st.CRCErrors)
	default:
		hint = "a serial_dist node answers on the port but did not complete the handshake: check the cookie and that it accepts connections (it may be connected to someone else)"
	}
	return fmt.Errorf("%w\nhint: %s", err, hint)
}

// Transport is the node's serial transport (it owns the ports).
func (n *Node) Transport() *serialdist.Transport { return n.t }

// Ports are the ports the node listens on.
func (n *Node) Ports() []*serialdist.Port {
	if n.l == nil {
		return nil
	}
	return n.l.Ports()
}

// Port returns the open port of a serial address the node uses (opening
// it if needed; see serialdist.Transport.Port).
func (n *Node) Port(address string) (*serialdist.Port, error) {
	a, err := serialdist.ParseAddress(address)
	if err != nil {
		return nil, err
	}
	return n.t.Port(a)
}

// Stop stops the node, then closes its serial ports (a link still up is
// told with a teardown frame, so the peer drops it at once).
func (n *Node) Stop() {
	n.once.Do(func() {
		n.unhook()
		n.mu.Lock()
		n.stopped = true
		n.mu.Unlock()
		n.cancel()
		n.redials.Wait()
		n.Node.Stop()
		n.mu.Lock()
		routes := n.routes // no learner starts once stopped is set
		n.mu.Unlock()
		if routes != nil {
			<-routes
		}
		n.t.Close()
	})
}

// PortDialer returns a carrier.Dialer that dials through p whatever the
// address says (the address then only names the route in logs and
// errors). It serves code that already holds an open port, such as a
// device probe.
func PortDialer(p *serialdist.Port) carrier.Dialer { return portDialer{p} }

type portDialer struct{ p *serialdist.Port }

func (d portDialer) Dial(ctx context.Context, _ string) (carrier.Conn, error) {
	c, err := d.p.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}
