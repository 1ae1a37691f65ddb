package serialdist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/avmsh/avmsh/node/carrier"
)

// Transport opens serial ports on demand and shares them: it is the
// carrier.Dialer of serial addresses, and it makes Listeners, so that a
// node both accepting and dialing on one device uses one Port. A port
// whose device failed (unplugged, reset) is opened again on next use.
type Transport struct {
	cfg PortConfig

	mu        sync.Mutex
	ports     map[string]*Port
	addrs     map[string]Address // how each device was opened
	offers    map[string]func()  // withdraws a device's lending offer
	lent      map[string]string  // device → borrower, while lent
	listeners []*Listener
	reopened  map[int]func(*Port)
	nextHook  int
	wg        sync.WaitGroup
	closed    bool
}

var _ carrier.Dialer = (*Transport)(nil)

// NewTransport returns a Transport whose ports use cfg.
func NewTransport(cfg PortConfig) *Transport {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Transport{cfg: cfg, ports: make(map[string]*Port), addrs: map[string]Address{},
		offers: map[string]func(){}, lent: map[string]string{}, reopened: map[int]func(*Port){}}
}

// Port returns the open port of addr's device, opening it if needed.
// The line settings of the first open win: a later address without
// settings shares the port, one with other settings is an error.
func (t *Transport) Port(addr Address) (*Port, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("serial %s: %w", addr.Device, carrier.ErrClosed)
	}
	if who, ok := t.lent[addr.Device]; ok {
		return nil, fmt.Errorf("serial %s: %w to %s; it is reopened when that is done", addr.Device, ErrPortLent, who)
	}
	if p, ok := t.ports[addr.Device]; ok {
		select {
		case <-p.Done():
			delete(t.ports, addr.Device)
		default:
			want := addr.Options.normalized()
			if want != (Options{}).normalized() && p.Options() != want {
				return nil, fmt.Errorf("serial %s is already open with other settings (%s)", addr.Device, Address{Device: addr.Device, Options: p.Options()})
			}
			return p, nil
		}
	}
	p, err := Open(addr, t.cfg)
	if err != nil {
		return nil, err
	}
	t.ports[addr.Device] = p
	t.addrs[addr.Device] = Address{Device: addr.Device, Options: p.Options()}
	t.offerLocked(addr.Device)
	return p, nil
}

// Adopt registers an already open port (for example one made with
// NewPort) under its name, so that Dial and Listen use it.
func (t *Transport) Adopt(p *Port) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ports[p.Name()] = p
}

// Dial implements carrier.Dialer: address is a serial address (see
// ParseAddress). It returns a Conn in the handshake phase.
func (t *Transport) Dial(ctx context.Context, address string) (carrier.Conn, error) {
	a, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	p, err := t.Port(a)
	if err != nil {
		return nil, err
	}
	c, err := p.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Listen accepts incoming connections on the devices of addresses (like
// AtomVM's uart_ports: each port carries at most one connection, and
// incoming handshakes are taken on any idle one).
func (t *Transport) Listen(addresses ...string) (*Listener, error) {
	if len(addresses) == 0 {
		return nil, errors.New("serial listen: no device given")
	}
	l := &Listener{ch: make(chan *Conn, len(addresses)), done: make(chan struct{})}
	for _, s := range addresses {
		a, err := ParseAddress(s)
		if err != nil {
			l.Close()
			return nil, err
		}
		p, err := t.Port(a)
		if err != nil {
			l.Close()
			return nil, err
		}
		if err := p.attach(l.ch); err != nil {
			l.Close()
			return nil, err
		}
		l.ports = append(l.ports, p)
	}
	t.mu.Lock()
	t.listeners = append(t.listeners, l)
	t.mu.Unlock()
	return l, nil
}

// Close closes every port the transport opened or adopted.
func (t *Transport) Close() error {
	t.mu.Lock()
	ports := t.ports
	t.ports = map[string]*Port{}
	offers := t.offers
	t.offers = map[string]func(){}
	t.closed = true
	t.mu.Unlock()
	for _, stop := range offers {
		stop()
	}
	t.wg.Wait() // reopens in progress
	for _, p := range ports {
		p.Close()
	}
	return nil
}

// Listener accepts distribution connections that peers start on one or
// more serial ports. It implements carrier.Listener.
type Listener struct {
	ch    chan *Conn
	mu    sync.Mutex
	ports []*Port
	once  sync.Once
	done  chan struct{}
}

var _ carrier.Listener = (*Listener)(nil)

// ListenPort makes a Listener on one already open port.
func ListenPort(p *Port) (*Listener, error) {
	l := &Listener{ch: make(chan *Conn, 1), done: make(chan struct{})}
	if err := p.attach(l.ch); err != nil {
		return nil, err
	}
	l.ports = []*Port{p}
	return l, nil
}

// attach makes the port hand incoming connections to ch and turns on the
// idle markers.
func (p *Port) attach(ch chan *Conn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return p.wrap(fmt.Errorf("listen: %w", p.err))
	}
	if p.accept != nil {
		return p.wrap(errors.New("listen: a listener is already attached to this port"))
	}
	p.accept = ch
	p.dist = true
	return nil
}

func (p *Port) detach(ch chan *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.accept == ch {
		p.accept = nil
	}
}

// Accept implements carrier.Listener: the next connection a peer started.
// Its first ReadHandshake returns the peer's send_name.
func (l *Listener) Accept(ctx context.Context) (carrier.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, fmt.Errorf("serial listener %s: %w", l.Addr(), carrier.ErrClosed)
	}
}

// Addr implements carrier.Listener: the device path(s).
func (l *Listener) Addr() string {
	s := ""
	for i, p := range l.Ports() {
		if i > 0 {
			s += ","
		}
		s += p.Name()
	}
	return s
}

// Port implements carrier.Listener: serial listeners are not registered
// with epmd.
func (l *Listener) Port() int { return 0 }

// Ports are the serial ports the listener accepts on.
func (l *Listener) Ports() []*Port {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Port(nil), l.ports...)
}

// Close implements carrier.Listener. Connections not accepted yet are
// closed; the ports stay open (the Transport owns them).
func (l *Listener) Close() error {
	l.once.Do(func() {
		for _, p := range l.Ports() {
			p.detach(l.ch)
		}
		close(l.done)
		for {
			select {
			case c := <-l.ch:
				c.Close()
			default:
				return
			}
		}
	})
	return nil
}
