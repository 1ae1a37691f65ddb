//go:build !windows

package node_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/node/serialnode/relay"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// faultRig is two nodes talking through a Go relay between two pty
// pairs:  x ─ pty a ─ relay ─ pty b ─ y.  y dialed x (so x learned the
// route back from the inbound connection); both listen on their port.
type faultRig struct {
	x, y       *serialnode.Node
	r          *relay.Relay
	px, py     *serialdist.Port
	xEv, yEv   <-chan node.NodeEvent
	portA      string
	xConsole   *consoleLog
	yConsole   *consoleLog
	tick       time.Duration
	collectors map[string]*collector
}

// consoleLog gathers a port's console text.
type consoleLog struct {
	mu   sync.Mutex
	b    []byte
	stop func()
}

func (c *consoleLog) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.b...)
}

func watchConsole(t testing.TB, p *serialdist.Port) *consoleLog {
	ch, cancel := p.ConsoleChan(4096)
	c := &consoleLog{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range ch {
			c.mu.Lock()
			c.b = append(c.b, b...)
			c.mu.Unlock()
		}
	}()
	c.stop = func() { cancel(); <-done }
	t.Cleanup(c.stop)
	return c
}

// waitConsole waits until the console has at least len(want) bytes and
// checks they are exactly want.
func (c *consoleLog) expect(t testing.TB, want []byte, what string) {
	t.Helper()
	deadline := time.Now().Add(erltest.Timeout(15 * time.Second))
	for len(c.bytes()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.bytes(); !bytes.Equal(got, want) {
		t.Fatalf("%s: console shows %d bytes, %d were injected (first difference at %d)", what, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func newFaultRig(t *testing.T, tick time.Duration) *faultRig {
	a1, a2 := serialtest.SocatPair(t)
	b1, b2 := serialtest.SocatPair(t)
	r, err := relay.Open(a2, b2, relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	g := &faultRig{r: r, portA: a1, tick: tick}
	g.x = startSerial(t, "x@serial.local", tick, "serial:"+a1)
	g.y = startSerial(t, "y@serial.local", tick, "serial:"+b1)
	g.px, g.py = g.x.Ports()[0], g.y.Ports()[0]
	g.xConsole, g.yConsole = watchConsole(t, g.px), watchConsole(t, g.py)
	var stop func()
	g.xEv, stop = g.x.Subscribe(64)
	t.Cleanup(stop)
	g.yEv, stop = g.y.Subscribe(64)
	t.Cleanup(stop)
	ctx := serialCtx(t, 20*time.Second)
	if _, err := g.y.Dial(ctx, "serial:"+b1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, g.xEv, g.y.Name(), true, 5*time.Second)
	waitEvent(t, g.yEv, g.x.Name(), true, 5*time.Second)
	spawnEcho(t, g.x, "echo")
	spawnEcho(t, g.y, "echo")
	return g
}

// exchange sends n numbered messages from each node to the other's echo
// and checks every answer arrives, in order and intact.
func (g *faultRig) exchange(t *testing.T, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for _, pair := range [][2]*serialnode.Node{{g.x, g.y}, {g.y, g.x}} {
		from, to := pair[0], pair[1]
		p := newProc(t, from)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				msg := term.Tuple{term.Atom("seq"), term.Int(i), payload(i)}
				if err := p.Send(term.Tuple{term.Atom("echo"), to.Name()}, term.Tuple{p.Self(), msg}); err != nil {
					t.Errorf("send %d: %v", i, err)
					return
				}
			}
			for i := range n {
				m, err := p.Receive(context.Background(), isTuple("seq", 3), 20*time.Second)
				if err != nil {
					t.Errorf("%s: answer %d of %d: %v", from.Name(), i, n, err)
					return
				}
				if tp := m.(term.Tuple); tp[1] != term.Int(i) || !term.ExactEqual(tp[2], payload(i)) {
					t.Errorf("%s: answer %d is %v", from.Name(), i, tp[1])
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// payload is message i's body: its number repeated, so that a message
// is checkable on its own and findable in a corrupted packet.
func payload(i int) term.Binary {
	return term.Binary(strings.Repeat(fmt.Sprintf("msg-%05d;", i), 1+i%40))
}

var msgNum = regexp.MustCompile(`msg-(\d{5});`)

// collector is a registered process that hands every message to a
// channel.
type collector struct {
	ch chan term.Term
}

func spawnCollector(t testing.TB, n *serialnode.Node, name term.Atom) *collector {
	t.Helper()
	c := &collector{ch: make(chan term.Term, 10000)}
	_, _, err := n.Runtime().Spawn(func(p *vm.Process) term.Term {
		for {
			m, err := p.Receive(p.Context(), nil, vm.Infinity)
			if err != nil {
				return vm.Normal
			}
			c.ch <- m
		}
	}, vm.SpawnOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSerialFaultGarbageAndConsole(t *testing.T) {
	g := newFaultRig(t, 0)

	t.Run("random garbage between frames", func(t *testing.T) {
		g.r.InjectBeforeFrames(relay.AtoB, relay.Garbage(1))
		g.r.InjectBeforeFrames(relay.BtoA, relay.Garbage(2))
		g.exchange(t, 60)
		// A whole new handshake through the garbage: x drops the link,
		// y's next messages reconnect.
		g.x.Disconnect(g.y.Name())
		waitEvent(t, g.yEv, g.x.Name(), false, 10*time.Second)
		g.exchange(t, 30)
		waitEvent(t, g.yEv, g.x.Name(), true, time.Second)
		g.r.InjectBeforeFrames(relay.AtoB, nil)
		g.r.InjectBeforeFrames(relay.BtoA, nil)
		if len(g.r.Injected(relay.AtoB)) < 60 || len(g.r.Injected(relay.BtoA)) < 60 {
			t.Fatalf("the relay injected only %d and %d bytes", len(g.r.Injected(relay.AtoB)), len(g.r.Injected(relay.BtoA)))
		}
		// Every garbage byte came out of the receiving port's console,
		// in order, and nothing else did.
		g.yConsole.expect(t, g.r.Injected(relay.AtoB), "y")
		g.xConsole.expect(t, g.r.Injected(relay.BtoA), "x")
		// One teardown: the Disconnect. (Teardown frames that open a
		// Dial count as CRC errors on the receiving port.)
		if st := g.py.Stats(); st.Teardowns != 1 || st.Connections != 2 {
			t.Fatalf("garbage between frames disturbed the link: %+v", st)
		}
	})

	t.Run("console text interleaved with frames", func(t *testing.T) {
		before := len(g.r.Injected(relay.AtoB))
		beforeConsole := len(g.yConsole.bytes())
		var shown bytes.Buffer
		stop := serialnode.CopyConsole(g.py, serialnode.SyncWriter(&shown), "[board] ")
		g.r.InjectBeforeFrames(relay.AtoB, relay.ConsoleLines("boot"))
		g.exchange(t, 60)
		g.r.InjectBeforeFrames(relay.AtoB, nil)
		want := g.r.Injected(relay.AtoB)[before:]
		deadline := time.Now().Add(erltest.Timeout(10 * time.Second))
		for len(g.yConsole.bytes())-beforeConsole < len(want) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		if got := g.yConsole.bytes()[beforeConsole:]; !bytes.Equal(got, want) {
			t.Fatalf("console shows %q, want %q", got, want)
		}
		// CopyConsole printed every line, prefixed.
		lines := strings.Split(strings.TrimSuffix(string(want), "\r\n"), "\r\n")
		if len(lines) < 60 {
			t.Fatalf("only %d console lines were injected", len(lines))
		}
		var expect strings.Builder
		for _, l := range lines {
			expect.WriteString("[board] " + l + "\r\n")
		}
		if shown.String() != expect.String() {
			t.Fatalf("CopyConsole printed:\n%q\nwant:\n%q", shown.String(), expect.String())
		}
	})
}

// A flipped bit inside a frame: the receiver's CRC check tears the link
// down (nodedown on both sides), the sender's next messages set up a new
// connection (the node reconnects on send), and no corrupted message is
// ever delivered.
func TestSerialFaultFlippedBit(t *testing.T) {
	g := newFaultRig(t, 0)
	sink := spawnCollector(t, g.x, "sink")
	p := newProc(t, g.y)
	dest := term.Tuple{term.Atom("sink"), g.x.Name()}
	const n = 150
	g.r.FlipNext(relay.BtoA)
	for i := range n {
		if err := p.Send(dest, term.Tuple{term.Atom("seq"), term.Int(i), payload(i)}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		time.Sleep(15 * time.Millisecond)
	}
	ev := waitEvent(t, g.xEv, g.y.Name(), false, 10*time.Second)
	if !strings.Contains(ev.Reason, "CRC") {
		t.Errorf("x's nodedown reason: %s", ev.Reason)
	}
	ev = waitEvent(t, g.yEv, g.x.Name(), false, 10*time.Second)
	if !strings.Contains(ev.Reason, "peer closed") {
		t.Errorf("y's nodedown reason: %s", ev.Reason)
	}
	waitEvent(t, g.yEv, g.x.Name(), true, 20*time.Second)

	flipped := g.r.Flipped(relay.BtoA)
	m := msgNum.FindSubmatch(flipped)
	if m == nil {
		t.Fatalf("the relay flipped a bit in %q, not in a numbered message", flipped)
	}
	lost, _ := strconv.Atoi(string(m[1]))
	// Collect until the last message arrives.
	seen := map[int]bool{}
	last := -1
	timeout := time.After(erltest.Timeout(30 * time.Second))
	for !seen[n-1] {
		select {
		case msg := <-sink.ch:
			tp, ok := msg.(term.Tuple)
			if !ok || len(tp) != 3 || tp[0] != term.Atom("seq") {
				t.Fatalf("unexpected message %v", msg)
			}
			i := int(tp[1].(term.Int))
			if !term.ExactEqual(tp[2], payload(i)) {
				t.Fatalf("message %d delivered corrupted", i)
			}
			if i <= last {
				t.Fatalf("message %d after %d", i, last)
			}
			last = i
			seen[i] = true
		case <-timeout:
			t.Fatalf("the last message never arrived; got %d messages, last %d", len(seen), last)
		}
	}
	if seen[lost] {
		t.Fatalf("message %d, whose frame was corrupted, was delivered", lost)
	}
	if st := g.px.Stats(); st.CRCErrors == 0 {
		t.Fatalf("x's port saw no CRC error: %+v", st)
	}
	t.Logf("corrupted message %d; %d of %d delivered", lost, len(seen), n)
}

// The line is cut for 30 s: both nodes see nodedown (net_ticktime), and
// once the line is back the next send reconnects. The node that gets the
// traffic here is x, whose only way to y is the route it learned when y
// connected: it redials over the same port, as it must with AtomVM,
// which never redials.
func TestSerialFaultLineCut(t *testing.T) {
	cut := 30 * time.Second
	if testing.Short() {
		cut = 12 * time.Second
	}
	tick := 8 * time.Second // ticks every 2 s, a silent peer dropped after 8 s
	g := newFaultRig(t, tick)
	inbox := spawnCollector(t, g.y, "inbox")
	p := newProc(t, g.x)
	dest := term.Tuple{term.Atom("inbox"), g.y.Name()}
	p.Send(dest, term.Atom("before"))
	if m := <-inbox.ch; m != term.Atom("before") {
		t.Fatalf("got %v", m)
	}

	start := time.Now()
	g.r.SetCut(true)
	ev := waitEvent(t, g.xEv, g.y.Name(), false, cut)
	if ev.Reason != "net_tick_timeout" {
		t.Errorf("x's nodedown reason: %s", ev.Reason)
	}
	ev = waitEvent(t, g.yEv, g.x.Name(), false, cut)
	if ev.Reason != "net_tick_timeout" {
		t.Errorf("y's nodedown reason: %s", ev.Reason)
	}
	t.Logf("nodedown on both sides after %v", time.Since(start).Round(100*time.Millisecond))
	time.Sleep(cut - time.Since(start))
	g.r.SetCut(false)

	p.Send(dest, term.Atom("after"))
	select {
	case m := <-inbox.ch:
		if m != term.Atom("after") {
			t.Fatalf("got %v", m)
		}
	case <-time.After(erltest.Timeout(20 * time.Second)):
		t.Fatal("no reconnection after the line came back")
	}
	up := waitEvent(t, g.xEv, g.y.Name(), true, 5*time.Second)
	if !up.Info.Initiator || up.Info.Local != g.portA {
		t.Fatalf("x should have redialed over %s: %+v", g.portA, up.Info)
	}
	if st := g.r.Stats(relay.AtoB); st.Dropped == 0 {
		t.Fatalf("the relay dropped nothing during the cut: %+v", st)
	}
}
