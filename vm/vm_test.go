package vm

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/vm/term"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newRT(t *testing.T) *Runtime {
	rt := New(Config{Node: "t@localhost", Creation: 7})
	t.Cleanup(rt.Shutdown)
	return rt
}

func recv(t *testing.T, p *Process, match func(term.Term) bool) term.Term {
	t.Helper()
	m, err := p.Receive(context.Background(), match, 5*time.Second)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return m
}

func isExit(m term.Term) bool {
	tp, ok := m.(term.Tuple)
	return ok && len(tp) == 3 && tp[0] == term.Atom("EXIT")
}

func isDown(m term.Term) bool {
	tp, ok := m.(term.Tuple)
	return ok && len(tp) == 5 && tp[0] == term.Atom("DOWN")
}

func TestSendReceiveSelective(t *testing.T) {
	rt := newRT(t)
	self, _ := rt.NewProcess(SpawnOptions{})
	defer self.Exit(Normal)
	echo, _, _ := rt.Spawn(func(p *Process) term.Term {
		for {
			m, err := p.Receive(p.Context(), nil, Infinity)
			if err != nil {
				return Normal
			}
			if m == term.Atom("stop") {
				return Normal
			}
			tp := m.(term.Tuple)
			_ = p.Send(tp[0], tp[1])
		}
	}, SpawnOptions{Name: "echo"})
	for i := 0; i < 3; i++ {
		if err := self.Send(term.Atom("echo"), term.Tuple{self.Self(), term.Int(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Take 2 first, then 0 and 1 in order.
	if m := recv(t, self, func(m term.Term) bool { return m == term.Int(2) }); m != term.Int(2) {
		t.Fatal(m)
	}
	if m := recv(t, self, nil); m != term.Int(0) {
		t.Fatal(m)
	}
	if m := recv(t, self, nil); m != term.Int(1) {
		t.Fatal(m)
	}
	if _, err := self.Receive(context.Background(), nil, 20*time.Millisecond); err != ErrTimeout {
		t.Fatalf("want timeout, got %v", err)
	}
	if err := self.Send(term.Atom("nobody"), term.Int(1)); err == nil {
		t.Fatal("send to unregistered name must fail")
	}
	_ = self.Send(echo.Self(), term.Atom("stop"))
	<-echo.Done()
	if _, ok := rt.WhereIs("echo"); ok {
		t.Fatal("name not released on exit")
	}
}

func TestLinksAndTrapExit(t *testing.T) {
	rt := newRT(t)
	a, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	defer a.Exit(Normal)
	b, _, _ := rt.Spawn(func(p *Process) term.Term {
		_, _ = p.Receive(p.Context(), nil, Infinity)
		return term.Atom("boom")
	}, SpawnOptions{Parent: a, Link: true})
	_ = a.Send(b.Self(), term.Atom("go"))
	m := recv(t, a, isExit).(term.Tuple)
	if m[1] != b.Self() || m[2] != term.Atom("boom") {
		t.Fatalf("got %v", m)
	}
	if len(a.Links()) != 0 {
		t.Fatal("link not removed")
	}

	// A non-trapping linked process dies with the same reason.
	c, _ := rt.NewProcess(SpawnOptions{})
	d, _, _ := rt.Spawn(func(p *Process) term.Term {
		_, _ = p.Receive(p.Context(), nil, Infinity)
		return term.Atom("crash")
	}, SpawnOptions{Parent: c, Link: true})
	_ = c.Send(d.Self(), term.Atom("go"))
	<-c.Done()
	if c.ExitReason() != term.Atom("crash") {
		t.Fatalf("c exit reason %v", c.ExitReason())
	}

	// Normal exits do not kill non-trapping linked processes.
	e, _ := rt.NewProcess(SpawnOptions{})
	f, _, _ := rt.Spawn(func(p *Process) term.Term { return Normal }, SpawnOptions{Parent: e, Link: true})
	<-f.Done()
	if e.Dead() {
		t.Fatal("normal exit killed a linked process")
	}

	// kill is untrappable and becomes killed for linked processes.
	g, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	defer g.Exit(Normal)
	h, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	g.Link(h.Self())
	_ = rt.ExitSignal(g.Self(), h.Self(), Kill)
	<-h.Done()
	if h.ExitReason() != Killed {
		t.Fatalf("kill gave %v", h.ExitReason())
	}
	m = recv(t, g, isExit).(term.Tuple)
	if m[2] != Killed {
		t.Fatalf("linked got %v", m)
	}
	// Link to a dead pid: noproc.
	g.Link(h.Self())
	m = recv(t, g, isExit).(term.Tuple)
	if m[2] != NoProc {
		t.Fatalf("link to dead: %v", m)
	}
	// exit/2 with normal to a trapping process is a message; to itself, an exit.
	_ = rt.ExitSignal(e.Self(), g.Self(), Normal)
	if m := recv(t, g, isExit).(term.Tuple); m[2] != Normal {
		t.Fatal(m)
	}
	e.Exit(Normal)
}

func TestMonitors(t *testing.T) {
	rt := newRT(t)
	a, _ := rt.NewProcess(SpawnOptions{})
	defer a.Exit(Normal)
	b, _ := rt.NewProcess(SpawnOptions{})
	ref, err := a.Monitor(b.Self())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.MonitoredBy(); len(got) != 1 || got[0] != a.Self() {
		t.Fatalf("monitored_by %v", got)
	}
	b.Exit(term.Atom("bye"))
	m := recv(t, a, isDown).(term.Tuple)
	if m[1] != ref || m[3] != b.Self() || m[4] != term.Atom("bye") {
		t.Fatalf("DOWN %v", m)
	}
	// noproc for a dead target, by pid and by name.
	ref2, _ := a.Monitor(b.Self())
	m = recv(t, a, isDown).(term.Tuple)
	if m[1] != ref2 || m[4] != NoProc {
		t.Fatalf("DOWN %v", m)
	}
	_, _ = a.Monitor(term.Atom("nobody"))
	m = recv(t, a, isDown).(term.Tuple)
	if !term.ExactEqual(m[3], term.Tuple{term.Atom("nobody"), rt.Node()}) || m[4] != NoProc {
		t.Fatalf("DOWN by name %v", m)
	}
	// By name, then demonitor: no DOWN.
	c, _ := rt.NewProcess(SpawnOptions{Name: "cname"})
	ref3, _ := a.Monitor(term.Atom("cname"))
	if !a.Demonitor(ref3, true) {
		t.Fatal("demonitor of active monitor returned false")
	}
	c.Exit(term.Atom("x"))
	if _, err := a.Receive(context.Background(), isDown, 30*time.Millisecond); err != ErrTimeout {
		t.Fatalf("got DOWN after demonitor: %v", err)
	}
	if len(c.MonitoredBy()) != 0 {
		t.Fatal("demonitor left the target side")
	}
}

func TestAliasAndTimers(t *testing.T) {
	rt := newRT(t)
	a, _ := rt.NewProcess(SpawnOptions{})
	defer a.Exit(Normal)
	al := a.Alias()
	_ = rt.Send(a.Self(), al, term.Atom("via_alias"))
	if m := recv(t, a, nil); m != term.Atom("via_alias") {
		t.Fatal(m)
	}
	a.Unalias(al)
	_ = rt.Send(a.Self(), al, term.Atom("dropped"))
	tr := a.SendAfter(10*time.Millisecond, a.Self(), term.Atom("tick"))
	if m := recv(t, a, nil); m != term.Atom("tick") {
		t.Fatalf("got %v (alias message not dropped?)", m)
	}
	if rt.CancelTimer(tr) {
		t.Fatal("fired timer reported as cancelled")
	}
	tr2 := a.SendAfter(time.Hour, a.Self(), term.Atom("never"))
	if !rt.CancelTimer(tr2) {
		t.Fatal("pending timer not cancelled")
	}
}

// fakeRouter records remote signals.
type fakeRouter struct {
	mu   sync.Mutex
	sent []string
}

func (f *fakeRouter) rec(s string) error {
	f.mu.Lock()
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	return nil
}
func (f *fakeRouter) Send(from, to term.Pid, msg term.Term) error { return f.rec("send") }
func (f *fakeRouter) RegSend(from term.Pid, name, node term.Atom, msg term.Term) error {
	return f.rec("reg_send")
}
func (f *fakeRouter) AliasSend(from term.Pid, alias term.Ref, msg term.Term) error {
	return f.rec("alias_send")
}
func (f *fakeRouter) Link(from, to term.Pid) error   { return f.rec("link") }
func (f *fakeRouter) Unlink(from, to term.Pid) error { return f.rec("unlink") }
func (f *fakeRouter) Exit(from, to term.Pid, reason term.Term, link bool) error {
	return f.rec("exit")
}
func (f *fakeRouter) Monitor(from term.Pid, target term.Term, node term.Atom, ref term.Ref) error {
	return f.rec("monitor")
}
func (f *fakeRouter) Demonitor(from term.Pid, target term.Term, node term.Atom, ref term.Ref) error {
	return f.rec("demonitor")
}
func (f *fakeRouter) Down(item term.Term, owner term.Pid, ref term.Ref, reason term.Term) error {
	return f.rec("down")
}
func (f *fakeRouter) GroupLeader(gl, to term.Pid) error { return f.rec("group_leader") }

func TestRemoteSignalsAndNodeDown(t *testing.T) {
	rt := newRT(t)
	fr := &fakeRouter{}
	rt.SetRouter(fr)
	remote := term.NewPid("other@h", 5, 0, 1)
	a, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	defer a.Exit(Normal)
	a.Link(remote)
	ref, _ := a.Monitor(remote)
	_, _ = a.Monitor(term.Tuple{term.Atom("srv"), term.Atom("other@h")})
	_ = a.Send(remote, term.Atom("hi"))
	// The remote node monitors and links a local process.
	b, _ := rt.NewProcess(SpawnOptions{})
	if err := rt.RemoteLink(remote, b.Self()); err != nil {
		t.Fatal(err)
	}
	rref := term.NewRef("other@h", 1, 9)
	if err := rt.RemoteMonitor(remote, b.Self(), rref); err != nil {
		t.Fatal(err)
	}
	if err := rt.RemoteMonitor(remote, term.Atom("nope"), rref); err == nil {
		t.Fatal("remote monitor of unknown name must report noproc")
	}
	rt.NodeDown("other@h")
	got := map[term.Term]bool{}
	for i := 0; i < 3; i++ {
		m := recv(t, a, nil).(term.Tuple)
		got[m[0]] = true
		if m[len(m)-1] != NoConnection {
			t.Fatalf("%v", m)
		}
		if m[0] == term.Atom("DOWN") && m[1] == ref && m[3] != remote {
			t.Fatalf("DOWN item %v", m)
		}
	}
	if !got[term.Atom("EXIT")] || !got[term.Atom("DOWN")] {
		t.Fatalf("got %v", got)
	}
	if len(b.MonitoredBy()) != 0 {
		t.Fatal("remote monitor survived nodedown")
	}
	// b was linked to the remote pid and does not trap: it dies.
	<-b.Done()
	fr.mu.Lock()
	defer fr.mu.Unlock()
	want := []string{"link", "monitor", "monitor", "send"}
	for i, w := range want {
		if i >= len(fr.sent) || fr.sent[i] != w {
			t.Fatalf("router calls %v, want prefix %v", fr.sent, want)
		}
	}
}

func TestOrderingUnderLoad(t *testing.T) {
	rt := newRT(t)
	recvP, _ := rt.NewProcess(SpawnOptions{})
	defer recvP.Exit(Normal)
	const senders, per = 4, 20000
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				_ = rt.Send(term.Pid{}, recvP.Self(), term.Tuple{term.Int(s), term.Int(i)})
			}
		}(s)
	}
	next := make([]int, senders)
	for n := 0; n < senders*per; n++ {
		m := recv(t, recvP, nil).(term.Tuple)
		s, i := int(m[0].(term.Int)), int(m[1].(term.Int))
		if i != next[s] {
			t.Fatalf("sender %d: got %d want %d", s, i, next[s])
		}
		next[s]++
	}
	wg.Wait()
}

func TestPanicBecomesExit(t *testing.T) {
	rt := New(Config{Node: "t@localhost", Creation: 1, Logger: discardLogger()})
	defer rt.Shutdown()
	a, _ := rt.NewProcess(SpawnOptions{TrapExit: true})
	rt.Spawn(func(p *Process) term.Term { panic("oops") }, SpawnOptions{Parent: a, Link: true})
	m := recv(t, a, isExit).(term.Tuple)
	if r, ok := m[2].(term.Tuple); !ok || r[0] != term.Atom("go_panic") {
		t.Fatalf("got %v", m)
	}
	a.Exit(Normal)
}
