package node

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
)

// tlsErlArgs writes an ssl_dist_optfile for the test PKI and returns the
// erl arguments that make a node use TLS distribution with it (OTP's
// inet_tls_dist, peers verified against the CA).
func tlsErlArgs(t *testing.T, ca, cert, key string) []string {
	t.Helper()
	opt := filepath.Join(filepath.Dir(ca), "ssl_dist.conf")
	side := fmt.Sprintf(`[{certfile, %q}, {keyfile, %q}, {cacertfile, %q}, {verify, verify_peer}, {secure_renegotiate, true}]`, cert, key, ca)
	conf := fmt.Sprintf("[{server, %s}, {client, %s}].\n", side[:len(side)-1]+", {fail_if_no_peer_cert, true}]", side)
	if err := os.WriteFile(opt, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"-proto_dist", "inet_tls", "-ssl_dist_optfile", opt}
}

// silentSources returns the loopback addresses the silent clients
// connect from: 127.0.0.2 … when the system lets a socket bind them
// (Linux does for all of 127/8), else only 127.0.0.1.
func silentSources(t *testing.T, n int) []string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if c, err := d.Dial("tcp", l.Addr().String()); err == nil {
		c.Close()
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("127.0.0.%d", 2+i)
		}
		return out
	}
	t.Logf("cannot bind 127.0.0.2 (%v): every silent client comes from 127.0.0.1", err)
	return []string{"127.0.0.1"}
}

// openSilent opens count connections to addr that send nothing, spread
// over the source addresses, and closes them when the test ends.
func openSilent(t *testing.T, addr string, count int, sources []string) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, count)
	for i := range count {
		d := net.Dialer{Timeout: erltest.Timeout(10 * time.Second), LocalAddr: &net.TCPAddr{IP: net.ParseIP(sources[i%len(sources)])}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("silent client %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return conns
}

// waitPending polls until n has want handshakes in progress.
func waitPending(t *testing.T, n *Node, want int) {
	t.Helper()
	deadline := time.Now().Add(erltest.Timeout(20 * time.Second))
	for n.PendingHandshakes() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d handshakes in progress, want %d", n.PendingHandshakes(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSilentClientsDoNotBlockAccept (issue 15, item 24): with 100
// connections open that never send a byte, a real erl and another avmsh
// node still connect, over TLS (whose handshake used to run inside the
// accept loop, so one silent client stopped every accept) and over plain
// TCP. The set-up time is long (2 min) so that connections serialised
// behind the silent ones would still succeed, only late; the test asserts
// that they finish well before it and logs how long they took.
func TestSilentClientsDoNotBlockAccept(t *testing.T) {
	const silent = 100
	setup := erltest.Timeout(2 * time.Minute)
	ca, cert, key := writeTestPKI(t)
	files := &carrier.TLSFiles{CertFile: cert, KeyFile: key, CAFile: ca}
	sources := silentSources(t, 10)
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"tls", true}, {"tcp", false}} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			if tc.tls {
				args = tlsErlArgs(t, ca, cert, key)
			}
			args = append(args, "-kernel", "net_setuptime", strconv.Itoa(int(setup/time.Second)))
			e := erltest.Start(t, erltest.Options{Args: args})
			mod := func(c *Config) {
				c.SetupTime = setup
				if len(sources) == 1 {
					c.MaxHandshakesPerSource = silent + 10
				}
				if tc.tls {
					c.TLS = files
				}
			}
			target := startNode(t, e.EpmdPort, e.Cookie, mod)
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(target.ListenPort()))
			conns := openSilent(t, addr, silent, sources)
			waitPending(t, target, silent)

			start := time.Now()
			if got := e.Eval(t, fmt.Sprintf("net_adm:ping('%s')", target.Name())); got != "pong" {
				t.Fatalf("erl → avmsh with %d silent clients: %s\nerl: %s", silent, got, e.Output())
			}
			erlTook := time.Since(start)
			other := startNode(t, e.EpmdPort, e.Cookie, func(c *Config) { mod(c); c.ListenAddr = "-" })
			start = time.Now()
			if err := other.Ping(ctxT(t), target.Name()); err != nil {
				t.Fatalf("avmsh → avmsh with %d silent clients: %v", silent, err)
			}
			avmshTook := time.Since(start)
			t.Logf("%s listener, %d silent clients held open: erl connected in %v, avmsh in %v (set-up time %v)",
				tc.name, silent, erlTook.Round(time.Millisecond), avmshTook.Round(time.Millisecond), setup)
			if erlTook > setup/4 || avmshTook > setup/4 {
				t.Fatalf("connecting took %v (erl) and %v (avmsh), a good part of the %v set-up time: queued behind the silent clients?", erlTook, avmshTook, setup)
			}
			// The silent clients were all still waiting: none was dropped
			// to make room. (The acceptor of a peer's connection counts
			// until it has installed it, a moment after the peer is done.)
			waitPending(t, target, silent)
			for i, c := range conns {
				_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := c.Read(make([]byte, 1)); !isTimeout(err) {
					t.Fatalf("silent client %d was dropped: %v", i, err)
				}
			}
			for _, c := range conns {
				c.Close()
			}
			waitPending(t, target, 0)
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestHandshakeBounds: connections beyond the per-source or per-listener
// bound on handshakes in progress are closed at once, and a slot is
// reusable once a handshake ends.
func TestHandshakeBounds(t *testing.T) {
	sources := silentSources(t, 4)
	if len(sources) == 1 {
		t.Skip("needs several loopback source addresses (127.0.0.2 …) to tell the bounds apart")
	}
	n := startNode(t, 0, "c", func(c *Config) {
		c.PortMapper = nil
		c.SetupTime = erltest.Timeout(2 * time.Minute)
		c.MaxHandshakes = 5
		c.MaxHandshakesPerSource = 2
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort()))
	dial := func(src string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedAtOnce: the server closes c without waiting for the set-up
	// time (the read deadline is far shorter than it).
	closedAtOnce := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(erltest.Timeout(10 * time.Second)))
		_, err := c.Read(make([]byte, 1))
		return err != nil && !isTimeout(err)
	}
	a1, _ := dial(sources[0]), dial(sources[0])
	waitPending(t, n, 2)
	if !closedAtOnce(dial(sources[0])) {
		t.Fatal("a third connection from one source was not closed at once")
	}
	dial(sources[1])
	dial(sources[1])
	dial(sources[2])
	waitPending(t, n, 5)
	if !closedAtOnce(dial(sources[3])) {
		t.Fatal("a sixth connection to the listener was not closed at once")
	}
	a1.Close()
	waitPending(t, n, 4)
	dial(sources[3])
	waitPending(t, n, 5)
}

// TestPartialHandshakeInput: a length prefix longer than any handshake
// message ("ff ff 4e") is refused at once, whatever the set-up time.
func TestPartialHandshakeInput(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) {
		c.PortMapper = nil
		c.SetupTime = erltest.Timeout(2 * time.Minute)
	})
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte{0xff, 0xff, 'N'}); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(erltest.Timeout(10 * time.Second)))
	if _, err := io.ReadAll(c); isTimeout(err) {
		t.Fatal("a 65535-byte handshake length was not refused at once")
	}
	waitPending(t, n, 0)
}
