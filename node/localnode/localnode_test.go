package localnode

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// TestMain fails the package if a node leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestOwnName(t *testing.T) {
	for _, c := range []struct {
		name     string
		mode     node.NameMode
		peerHost string
		want     string
	}{
		{"me@host", node.ShortNames, "", "me@host"},
		{"me", node.LongNames, "127.0.0.1", "me@127.0.0.1"},
		{"me", node.LongNames, "serial.local", "me@serial.local"},
		{"me@10.0.0.1", node.LongNames, "127.0.0.1", "me@10.0.0.1"},
	} {
		got, err := OwnName(c.name, c.mode, c.peerHost)
		if err != nil || got != c.want {
			t.Errorf("OwnName(%q, %v, %q) = %q, %v; want %q", c.name, c.mode, c.peerHost, got, err, c.want)
		}
	}
	got, err := OwnName("", node.LongNames, "127.0.0.1")
	if err != nil || !strings.HasPrefix(got, "avmsh_") || !strings.HasSuffix(got, "@127.0.0.1") {
		t.Errorf("random name: %q %v", got, err)
	}
	if _, err := OwnName("bad name", node.ShortNames, ""); err == nil {
		t.Error("a name with a space was accepted")
	}
	if NameModeFor("host") != node.ShortNames || NameModeFor("10.0.0.1") != node.LongNames || NameModeFor("a.example") != node.LongNames {
		t.Error("NameModeFor")
	}
}

func TestParseTarget(t *testing.T) {
	tg, err := ParseTarget("app@h", node.ShortNames)
	if err != nil || tg.Node != "app@h" || tg.IsSerial() || tg.Host() != "h" {
		t.Fatalf("app@h: %+v %v", tg, err)
	}
	tg, err = ParseTarget("serial:ttyUSB0?baud=921600", node.ShortNames)
	if err != nil || !tg.IsSerial() || tg.Serial != "serial:/dev/ttyUSB0?baud=921600" || tg.Node != "" || tg.Host() != "serial.local" {
		t.Fatalf("serial: %+v %v", tg, err)
	}
	if tg.String() != "serial:/dev/ttyUSB0?baud=921600" {
		t.Errorf("String: %s", tg)
	}
	tg, err = ParseTarget("app", node.ShortNames)
	if err != nil || !strings.HasPrefix(string(tg.Node), "app@") {
		t.Fatalf("app: %+v %v", tg, err)
	}
	for _, bad := range []string{"@h", "a@", "a b", "serial:"} {
		if _, err := ParseTarget(bad, node.ShortNames); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Two local nodes through epmd (avmsh's own server on a private port):
// a bare name completes with the node's own host; calls run with the
// caller's group leader; --address-style direct connections skip epmd.
func TestStartConnectCall(t *testing.T) {
	port, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	srv := epmd.NewServer(epmd.Config{Port: port, LoopbackOnly: true})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() { cancel(); <-served }()

	mapper := &epmd.PortMapper{Port: port}
	cookie := RandomName("c")
	a, err := Start(ctx, Config{Name: RandomName("a_") + "@127.0.0.1", Cookie: cookie, Listen: true, ListenAddr: "127.0.0.1:0", PortMapper: mapper, Version: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	out := &syncBuf{}
	b, err := Start(ctx, Config{Name: RandomName("b_") + "@127.0.0.1", Cookie: cookie, PortMapper: mapper, IO: gl.Options{Out: out}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	if b.ListenPort() != 0 {
		t.Errorf("a node without Listen listens on %d", b.ListenPort())
	}
	alive, _, _ := node.SplitNodeName(string(a.Name()))
	tg, err := b.ParseTarget(alive)
	if err != nil || tg.Node != a.Name() {
		t.Fatalf("ParseTarget(%q) = %+v, %v", alive, tg, err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	if err := b.ConnectTarget(cctx, &tg); err != nil {
		t.Fatal(err)
	}
	glPid := b.GroupLeader().Pid()
	v, err := rpc.Call(cctx, b.Node.Node, a.Name(), "io", "format", []term.Term{term.String("from ~s~n"), term.List{term.String("a")}}, rpc.Options{GroupLeader: &glPid})
	if err != nil || v != term.Atom("ok") || out.String() != "from a\n" {
		t.Fatalf("io:format on a: %v %v, output %q", v, err, out.String())
	}
	v, err = rpc.Call(cctx, b.Node.Node, a.Name(), "avmsh", "version", nil, rpc.Options{})
	if err != nil {
		t.Fatalf("avmsh:version on a: %v %v", v, err)
	}
	// Direct to the address, no epmd lookup (a name epmd does not know).
	c, err := Start(ctx, Config{Name: RandomName("c_") + "@127.0.0.1", Cookie: cookie, PortMapper: &epmd.PortMapper{Port: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	direct := Target{Node: a.Name(), Address: fmt.Sprintf("127.0.0.1:%d", a.ListenPort())}
	if err := c.ConnectTarget(cctx, &direct); err != nil {
		t.Fatalf("connect to %s: %v", direct.Address, err)
	}
	if err := c.ConnectTarget(cctx, &Target{Node: a.Name()}); err != nil {
		t.Fatalf("already connected: %v", err)
	}
}

// A local node calls a real erl through OTP's epmd; erl calls the local
// node's stdlib back.
func TestAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := Start(ctx, Config{Name: RandomName("ln_") + "@127.0.0.1", Cookie: e.Cookie, Listen: true,
		PortMapper: &epmd.PortMapper{Port: e.EpmdPort}, Version: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	tg, err := ParseTarget(e.Name, node.LongNames)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ConnectTarget(ctx, &tg); err != nil {
		t.Fatal(err)
	}
	v, err := rpc.Call(ctx, n.Node.Node, tg.Node, "erlang", "node", nil, rpc.Options{})
	if err != nil || v != tg.Node {
		t.Fatalf("erlang:node() on erl: %v %v", v, err)
	}
	if got := e.Eval(t, fmt.Sprintf("erpc:call('%s', lists, reverse, [[1,2,3]])", n.Name())); got != "[3,2,1]" {
		t.Fatalf("erl calling the local node's stdlib: %s", got)
	}
}
