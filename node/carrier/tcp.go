package carrier

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
)

// TCPDialer dials TCP, or TLS when TLS is set (OTP's inet_tcp_dist and
// inet_tls_dist carry the same framing).
type TCPDialer struct {
	// TLS, when set, wraps every connection in TLS with this
	// configuration. ServerName is filled from the address's host when
	// empty.
	TLS *tls.Config
	// MaxPacket bounds incoming packets (0: DefaultMaxPacket).
	MaxPacket int
}

// Dial implements Dialer.
func (d *TCPDialer) Dial(ctx context.Context, address string) (Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	setNoDelay(c)
	if d.TLS == nil {
		return NewStreamConn(c, "tcp", d.MaxPacket), nil
	}
	cfg := d.TLS.Clone()
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(address)
		cfg.ServerName = host
	}
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", address, err)
	}
	return NewStreamConn(tc, "tls", d.MaxPacket), nil
}

// TCPListener accepts TCP (or TLS) distribution connections.
type TCPListener struct {
	l         net.Listener
	tls       *tls.Config
	maxPacket int
}

// ListenTCP listens on address ("127.0.0.1:0", ":0", "[::]:4370"). With
// tlsCfg set, accepted connections must complete a TLS handshake.
func ListenTCP(address string, tlsCfg *tls.Config, maxPacket int) (*TCPListener, error) {
	l, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("listen for distribution on %s: %w", address, err)
	}
	return &TCPListener{l: l, tls: tlsCfg, maxPacket: maxPacket}, nil
}

// Accept implements Listener. It only accepts: a TLS connection is
// returned before its TLS handshake, which the caller runs with
// Handshake (see Handshaker) on the connection's own goroutine, so that a
// client that connects and says nothing cannot hold up the next accept.
func (t *TCPListener) Accept(ctx context.Context) (Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := t.l.Accept()
		ch <- result{c, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		// Unblock the Accept goroutine by closing the listener; the
		// caller is shutting down.
		t.l.Close()
		r = <-ch
		if r.c != nil {
			r.c.Close()
		}
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	setNoDelay(r.c)
	if t.tls == nil {
		return NewStreamConn(r.c, "tcp", t.maxPacket), nil
	}
	return NewStreamConn(tls.Server(r.c, t.tls), "tls", t.maxPacket), nil
}

// ErrHandshake marks a failure of one incoming connection's transport
// handshake (e.g. a plaintext client on a TLS listener), returned by
// Handshake; accepting goes on.
var ErrHandshake = errors.New("transport handshake failed")

// Addr implements Listener.
func (t *TCPListener) Addr() string { return t.l.Addr().String() }

// Port implements Listener.
func (t *TCPListener) Port() int {
	_, p, _ := net.SplitHostPort(t.l.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// Close implements Listener.
func (t *TCPListener) Close() error { return t.l.Close() }

func setNoDelay(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
}
