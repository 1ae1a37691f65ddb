package epmd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// startServer runs a loopback server on a free port for the test.
func startServer(tb testing.TB, cfg Config) (*Server, *Client) {
	tb.Helper()
	return startServerMode(tb, cfg, false)
}

// bothAcceptPaths runs f with the raw-socket fast path (Linux) and with
// the net.Listener path other systems use.
func bothAcceptPaths(t *testing.T, f func(t *testing.T, netAccept bool)) {
	t.Run("fast", func(t *testing.T) { f(t, false) })
	t.Run("net", func(t *testing.T) { f(t, true) })
}

func startServerMode(tb testing.TB, cfg Config, netAccept bool) (*Server, *Client) {
	tb.Helper()
	if cfg.Port == 0 {
		cfg.Port = AnyPort
	}
	if cfg.Logger == nil && testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.Addresses) == 0 {
		cfg.LoopbackOnly = true
	}
	s := NewServer(cfg)
	s.netAccept = netAccept
	if err := s.Start(); err != nil {
		tb.Fatalf("start server: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s, NewClient(net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())))
}

func ctxT(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), erltest.Timeout(10*time.Second))
	tb.Cleanup(cancel)
	return ctx
}

func TestServerRegisterLookupNames(t *testing.T) { bothAcceptPaths(t, testRegisterLookupNames) }

func testRegisterLookupNames(t *testing.T, netAccept bool) {
	s, c := startServerMode(t, Config{}, netAccept)
	ctx := ctxT(t)
	r1, err := c.Register(ctx, NodeInfo{Name: "alpha", Port: 4001, Extra: []byte("x1")})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := c.Register(ctx, NodeInfo{Name: "béta", Port: 4002, NodeType: NodeTypeHidden})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Creation < 4 || r2.Creation < 4 {
		t.Fatalf("creations %d %d, want >= 4 (32-bit, OTP 23+)", r1.Creation, r2.Creation)
	}
	info, err := c.Lookup(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	want := NodeInfo{Name: "alpha", Port: 4001, NodeType: NodeTypeNormal, HighestVersion: 6, LowestVersion: 6, Extra: []byte("x1")}
	if info.Name != want.Name || info.Port != want.Port || info.NodeType != want.NodeType || info.HighestVersion != 6 || info.LowestVersion != 6 || !bytes.Equal(info.Extra, want.Extra) {
		t.Fatalf("lookup = %+v, want %+v", info, want)
	}
	info, err = c.Lookup(ctx, "béta")
	if err != nil || !info.Hidden() || info.Port != 4002 {
		t.Fatalf("lookup hidden = %+v, %v", info, err)
	}
	names, err := c.Names(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantText := "name béta at port 4002\nname alpha at port 4001\n"
	if names.Port != s.Port() || string(names.Text) != wantText {
		t.Fatalf("names = port %d %q, want %d %q", names.Port, names.Text, s.Port(), wantText)
	}
	if len(names.Nodes) != 2 || names.Nodes[0] != (NameEntry{"béta", 4002}) {
		t.Fatalf("parsed names = %+v", names.Nodes)
	}
	snap := s.Snapshot()
	if len(snap) != 2 || snap[0].Name != "béta" || snap[1].Creation != r1.Creation || snap[1].Remote == "" {
		t.Fatalf("snapshot = %+v", snap)
	}

	// Duplicate name: error result, like OTP.
	_, err = c.Register(ctx, NodeInfo{Name: "alpha", Port: 4009})
	var re *RegisterError
	if !errors.As(err, &re) || !errors.Is(err, ErrNameTaken) || re.Name != "alpha" || re.Result != 1 {
		t.Fatalf("duplicate register: %v", err)
	}

	// Closing the registration unregisters; re-registering bumps creation.
	if err := r2.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := c.Lookup(ctx, "béta"); return errors.Is(err, ErrNotRegistered) })
	r3, err := c.Register(ctx, NodeInfo{Name: "béta", Port: 4003})
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	if r3.Creation != r2.Creation+1 {
		t.Fatalf("creation after re-register = %d, want %d", r3.Creation, r2.Creation+1)
	}

	_, err = c.Lookup(ctx, "nobody")
	var nr *NotRegisteredError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), `has no node named "nobody"`) || strings.Contains(err.Error(), "avmsh") || nr.Host() != "127.0.0.1" {
		t.Fatalf("lookup of unknown name: %v", err)
	}
}

func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	waitForMsg(tb, cond, func() string { return "condition not met" })
}

// waitForMsg is waitFor failing with what state says.
func waitForMsg(tb testing.TB, cond func() bool, state func() string) {
	tb.Helper()
	limit := erltest.Timeout(5 * time.Second)
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("after %v: %s", limit, state())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connCount is how many connections the server holds.
func (s *Server) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func TestServerOldVersionGetsAlive2Resp(t *testing.T) {
	_, c := startServer(t, Config{})
	conn, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req, _ := AppendRequest(nil, &AliveRequest{NodeInfo{Name: "old", Port: 1234, NodeType: 77, HighestVersion: 5, LowestVersion: 5}})
	conn.Write(req)
	b := make([]byte, 4)
	conn.SetDeadline(time.Now().Add(erltest.Timeout(5 * time.Second)))
	if _, err := io.ReadFull(conn, b); err != nil {
		t.Fatal(err)
	}
	cr := binary.BigEndian.Uint16(b[2:])
	if b[0] != 'y' || b[1] != 0 || cr < 1 || cr > 3 {
		t.Fatalf("ALIVE2 answer to a version-5 node = %v, want 'y', 0, creation 1..3", b)
	}
}

func TestServerRegistrationEndsOnData(t *testing.T) {
	_, c := startServer(t, Config{})
	conn, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req, _ := AppendRequest(nil, &AliveRequest{NodeInfo{Name: "chatty", Port: 1, NodeType: 77, HighestVersion: 6, LowestVersion: 6}})
	conn.Write(req)
	b := make([]byte, 6)
	io.ReadFull(conn, b)
	if _, err := c.Lookup(ctxT(t), "chatty"); err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte{0})
	waitFor(t, func() bool { _, err := c.Lookup(ctxT(t), "chatty"); return errors.Is(err, ErrNotRegistered) })
}

func TestServerKillAndStop(t *testing.T) { bothAcceptPaths(t, testKillAndStop) }

func testKillAndStop(t *testing.T, netAccept bool) {
	ctx := ctxT(t)
	// Strict (default): KILL refused while a node lives, STOP not answered.
	s, c := startServerMode(t, Config{}, netAccept)
	reg, err := c.Register(ctx, NodeInfo{Name: "live", Port: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Kill(ctx); ok || err != nil {
		t.Fatalf("kill with live nodes = %v, %v; want refused", ok, err)
	}
	if _, err := c.Stop(ctx, "live"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "relaxed_command_check") {
		t.Fatalf("stop without relaxed check: %v", err)
	}
	if _, err := c.Lookup(ctx, "live"); err != nil {
		t.Fatalf("node gone after refused STOP: %v", err)
	}
	_, text, err := c.Dump(ctx)
	if err != nil || !strings.Contains(text, "active name     <live> at port 5000, fd = ") {
		t.Fatalf("dump = %q, %v", text, err)
	}
	reg.Close()
	waitFor(t, func() bool { return len(s.Snapshot()) == 0 })
	_, text, _ = c.Dump(ctx)
	if !strings.Contains(text, "old/unused name <live>, port = 5000, fd = ") {
		t.Fatalf("dump after unregister = %q", text)
	}
	// No live nodes: OTP's epmd accepts KILL even in strict mode.
	if ok, err := c.Kill(ctx); !ok || err != nil {
		t.Fatalf("kill without live nodes = %v, %v", ok, err)
	}
	select {
	case <-s.Done():
	case <-time.After(erltest.Timeout(5 * time.Second)):
		t.Fatal("server still running after KILL")
	}

	// Relaxed: STOP and KILL work with live nodes.
	s2, c2 := startServerMode(t, Config{RelaxedCommandCheck: true}, netAccept)
	serveErr := make(chan error, 1)
	go func() { serveErr <- s2.Serve(context.Background()) }()
	reg2, err := c2.Register(ctx, NodeInfo{Name: "victim", Port: 5001})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c2.Stop(ctx, "victim"); got != "STOPPED" || err != nil {
		t.Fatalf("stop = %q, %v", got, err)
	}
	select {
	case <-reg2.Done():
	case <-time.After(erltest.Timeout(5 * time.Second)):
		t.Fatal("registration connection not closed by STOP")
	}
	if reg2.Err() == nil {
		t.Fatal("Err() nil after epmd dropped the registration")
	}
	if got, err := c2.Stop(ctx, "victim"); got != "NOEXIST" || err != nil {
		t.Fatalf("stop unknown = %q, %v", got, err)
	}
	if _, err := c2.Register(ctx, NodeInfo{Name: "other", Port: 5002}); err != nil {
		t.Fatal(err)
	}
	if ok, err := c2.Kill(ctx); !ok || err != nil {
		t.Fatalf("relaxed kill = %v, %v", ok, err)
	}
	select {
	case err := <-serveErr:
		if !errors.Is(err, ErrKilled) {
			t.Fatalf("Serve after KILL = %v, want ErrKilled", err)
		}
	case <-time.After(erltest.Timeout(5 * time.Second)):
		t.Fatal("Serve did not return after KILL")
	}
	if _, err := c2.Names(ctx); !errors.Is(err, ErrNoEpmd) {
		t.Fatalf("names after kill: %v, want ErrNoEpmd", err)
	}
}

// rawExchange sends raw bytes and returns whatever the server answers
// before closing.
func rawExchange(t *testing.T, addr string, data []byte) []byte {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(erltest.Timeout(5 * time.Second)))
	conn.Write(data)
	b, _ := io.ReadAll(conn)
	return b
}

func TestServerMalformedRequests(t *testing.T) { bothAcceptPaths(t, testMalformedRequests) }

func testMalformedRequests(t *testing.T, netAccept bool) {
	s, c := startServerMode(t, Config{PacketTimeout: 300 * time.Millisecond}, netAccept)
	cases := map[string][]byte{
		"zero length":             {0, 0},
		"oversized length":        {0xff, 0xff, 'n'},
		"length over OTP's limit": {0x0b, 0xf2, 'n'},
		"unknown tag":             {0, 1, 'Q'},
		"short alive":             {0, 3, 'x', 0, 1},
		"alive name overruns":     {0, 14, 'x', 0, 1, 77, 0, 0, 6, 0, 6, 0, 200, 'a', 0, 0},
		"port please empty":       {0, 1, 'z'},
		"port please NUL inside":  {0, 4, 'z', 'a', 0, 'b'},
		"port please bad utf8":    {0, 3, 'z', 0xc3, 0x28},
		"more than the request":   {0, 1, 'n', 'n', 'n'},
		"stop strict":             {0, 2, 's', 'a'},
		"truncated then closed":   {0, 9, 'z', 'a'},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if got := rawExchange(t, c.Addr, data); len(got) != 0 {
				t.Fatalf("answer %q to a malformed request, want none", got)
			}
		})
	}
	// A slow client is dropped after PacketTimeout.
	conn, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte{0})
	conn.SetDeadline(time.Now().Add(erltest.Timeout(5 * time.Second)))
	if n, err := conn.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("slow client not dropped: %d, %v", n, err)
	}
	// Still serving.
	if _, err := c.Names(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	_ = s
}

func TestServerMaxConnsAndNodes(t *testing.T) { bothAcceptPaths(t, testMaxConnsAndNodes) }

func testMaxConnsAndNodes(t *testing.T, netAccept bool) {
	s, c := startServerMode(t, Config{MaxConns: 3, MaxNodes: 1}, netAccept)
	ctx := ctxT(t)
	r, err := c.Register(ctx, NodeInfo{Name: "one", Port: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := c.Register(ctx, NodeInfo{Name: "two", Port: 2}); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("registration beyond MaxNodes: %v", err)
	}
	// The refused registration's connection is released just after its
	// answer: wait, or a half-sent connection below can find no slot.
	waitForMsg(t, func() bool { return s.connCount() == 1 }, func() string {
		return fmt.Sprintf("the server holds %d connections after a refused registration, want 1", s.connCount())
	})
	// Hold the two other slots with connections that sent half a
	// request: the next one is closed at once, without an answer.
	// (Connections that send nothing wait in the kernel: TCP_DEFER_ACCEPT.)
	var idle []net.Conn
	for range 2 {
		conn, err := net.Dial("tcp", c.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte{0})
		idle = append(idle, conn)
	}
	// Once the server holds the three (under a loaded -race run that
	// can take a while), a fourth connection is refused.
	waitForMsg(t, func() bool { return s.connCount() == 3 }, func() string {
		return fmt.Sprintf("the server holds %d connections, want 3 (the registration and two half-sent requests); %d registered", s.connCount(), len(s.Snapshot()))
	})
	if names, err := c.Names(ctx); err == nil {
		t.Fatalf("names answered beyond MaxConns 3 (server holds %d connections): %v", s.connCount(), names)
	}
	for _, conn := range idle {
		conn.Close()
	}
	waitFor(t, func() bool { _, err := c.Names(ctx); return err == nil })
}

func TestServerAddresses(t *testing.T) {
	// Explicit addresses: loopback is always added, like OTP.
	s := NewServer(Config{Port: AnyPort, Addresses: []string{"127.0.0.1, ::1"}})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := ctxT(t)
	for _, host := range []string{"127.0.0.1", "::1"} {
		c := NewClient(net.JoinHostPort(host, strconv.Itoa(s.Port())))
		if _, err := c.Names(ctx); err != nil {
			t.Fatalf("names over %s: %v", host, err)
		}
	}
	if err := NewServer(Config{Addresses: []string{"not-an-ip"}}).Listen(); err == nil || !strings.Contains(err.Error(), "cannot parse IP address") {
		t.Fatalf("bad address: %v", err)
	}
	// Same port again: EADDRINUSE.
	err := NewServer(Config{Port: s.Port(), LoopbackOnly: true}).Listen()
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second server on the same port: %v", err)
	}
}

func TestIsLocalPeer(t *testing.T) {
	mk := func(remote, local string) net.Conn {
		return fakeConn{r: &net.TCPAddr{IP: net.ParseIP(remote)}, l: &net.TCPAddr{IP: net.ParseIP(local)}}
	}
	for _, tc := range []struct {
		remote, local string
		want          bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"127.1.2.3", "127.0.0.1", true},
		{"::1", "::1", true},
		{"::ffff:127.0.0.1", "::ffff:127.0.0.1", true},
		{"192.0.2.2", "192.0.2.2", true},
		{"192.0.2.9", "192.0.2.2", false},
		{"fd00::9", "fd00::2", false},
	} {
		if got := isLocalPeer(mk(tc.remote, tc.local)); got != tc.want {
			t.Errorf("isLocalPeer(%s -> %s) = %v", tc.remote, tc.local, got)
		}
	}
}

type fakeConn struct {
	net.Conn
	r, l net.Addr
}

func (f fakeConn) RemoteAddr() net.Addr { return f.r }
func (f fakeConn) LocalAddr() net.Addr  { return f.l }

// TestServerBigNamesAnswer: a NAMES answer larger than the socket buffer
// reaches a client that reads slowly (the fast path hands the rest to a
// goroutine).
func TestServerBigNamesAnswer(t *testing.T) {
	bothAcceptPaths(t, func(t *testing.T, netAccept bool) {
		_, c := startServerMode(t, Config{}, netAccept)
		ctx := ctxT(t)
		const nodes = 400
		for i := range nodes {
			r, err := c.Register(ctx, NodeInfo{Name: fmt.Sprintf("%0250d", i), Port: uint16(i + 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
		}
		conn, err := net.Dial("tcp", c.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte{0, 1, 'n'})
		time.Sleep(200 * time.Millisecond) // let the server fill the socket
		conn.SetDeadline(time.Now().Add(erltest.Timeout(5 * time.Second)))
		b, err := io.ReadAll(conn)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseNames(b[4:])
		if err != nil || len(got) != nodes {
			t.Fatalf("names: %d entries (%d bytes), %v", len(got), len(b), err)
		}
	})
}
