package node

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// fixture is an erl node, an avmsh node, and an avmsh process registered
// as inbox that erl code can send to with `Inbox ! Msg` (Inbox is bound in
// the erl shell to {inbox, AvmshNode}).
type fixture struct {
	e     *erltest.Node
	n     *Node
	inbox *vm.Process
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	e, n := interop(t, mod)
	inbox, err := n.Runtime().NewProcess(vm.SpawnOptions{Name: "inbox", TrapExit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inbox.Exit(vm.Normal) })
	e.Eval(t, fmt.Sprintf("register(ctl, self()), Inbox = {inbox, '%s'}", n.Name()))
	return &fixture{e: e, n: n, inbox: inbox}
}

// give sends v to the erl shell process and binds it to variable name.
func (f *fixture) give(t *testing.T, name string, v term.Term) {
	t.Helper()
	_ = f.inbox.Send(term.Tuple{term.Atom("ctl"), term.Atom(f.e.Name)}, term.Tuple{term.Atom("give"), v})
	f.e.Eval(t, fmt.Sprintf("%s = receive {give, Give%s} -> Give%s after "+erlAfter()+" -> error(nothing_given) end", name, name, name))
}

// take evaluates expr on erl, which must send {Tag, Value} to Inbox, and
// returns Value.
func (f *fixture) take(t *testing.T, tag, expr string) term.Term {
	t.Helper()
	f.e.Eval(t, expr)
	return recvMatch(t, f.inbox, tupleTag(tag, 2)).(term.Tuple)[1]
}

func (f *fixture) erlSpawn(t *testing.T, tag, body string) term.Pid {
	t.Helper()
	return f.take(t, tag, fmt.Sprintf("%s = spawn(fun() -> %s end), Inbox ! {%s, %s}", varName(tag), body, tag, varName(tag))).(term.Pid)
}

func varName(tag string) string { return "V" + strings.ToUpper(tag[:1]) + tag[1:] }

func waitDead(t *testing.T, p *vm.Process) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(erltest.Timeout(10 * time.Second)):
		t.Fatalf("process %v did not exit", p.Self())
	}
}

func TestLinksAndExits(t *testing.T) {
	f := newFixture(t, nil)
	rt := f.n.Runtime()

	// avmsh links to an erl process that exits: a trapping avmsh process
	// gets {'EXIT', P, bye}.
	p1 := f.erlSpawn(t, "p1", "receive stop -> exit(bye) end")
	f.inbox.Link(p1)
	if got := f.e.Eval(t, "timer:sleep(100), {links, L1} = process_info(VP1, links), L1"); !strings.Contains(got, "<") {
		t.Fatalf("erl side has no link: %s", got)
	}
	_ = f.inbox.Send(p1, term.Atom("stop"))
	if m := recvMatch(t, f.inbox, tupleTag("EXIT", 3)).(term.Tuple); m[1] != p1 || m[2] != term.Atom("bye") {
		t.Fatalf("EXIT %v", m)
	}

	// erl kills a process linked to a non-trapping avmsh process: it dies
	// with killed.
	p2 := f.erlSpawn(t, "p2", "receive _ -> ok end")
	victim, _ := rt.NewProcess(vm.SpawnOptions{})
	victim.Link(p2)
	f.e.Eval(t, "timer:sleep(100), exit(VP2, kill)")
	waitDead(t, victim)
	if victim.ExitReason() != vm.Killed {
		t.Fatalf("victim reason %v", victim.ExitReason())
	}

	// erl links to an avmsh process that exits with done_here.
	ours, _, _ := rt.Spawn(func(p *vm.Process) term.Term {
		_, _ = p.Receive(p.Context(), nil, vm.Infinity)
		return term.Atom("done_here")
	}, vm.SpawnOptions{})
	f.give(t, "Ours", ours.Self())
	got := f.e.Eval(t, "process_flag(trap_exit, true), link(Ours), Ours ! go, receive {'EXIT', Ours, R1} -> R1 after "+erlAfter()+" -> timeout end")
	if got != "done_here" {
		t.Fatalf("erl got %s", got)
	}

	// exit/2 from avmsh kills an erl process.
	p3 := f.erlSpawn(t, "p3", "receive _ -> ok end")
	if err := rt.ExitSignal(f.inbox.Self(), p3, term.Atom("kill")); err != nil {
		t.Fatal(err)
	}
	if got := f.e.Eval(t, "timer:sleep(200), is_process_alive(VP3)"); got != "false" {
		t.Fatalf("erl process alive after exit/2 kill: %s", got)
	}

	// exit/2 from erl: a trapping avmsh process gets a message, a
	// non-trapping one dies.
	trapper, _ := rt.NewProcess(vm.SpawnOptions{TrapExit: true})
	defer trapper.Exit(vm.Normal)
	plain, _ := rt.NewProcess(vm.SpawnOptions{})
	f.give(t, "Trapper", trapper.Self())
	f.give(t, "Plain", plain.Self())
	f.e.Eval(t, "exit(Trapper, boom), exit(Plain, boom)")
	if m := recvMatch(t, trapper, tupleTag("EXIT", 3)).(term.Tuple); m[2] != term.Atom("boom") {
		t.Fatalf("trapper got %v", m)
	}
	waitDead(t, plain)
	if plain.ExitReason() != term.Atom("boom") {
		t.Fatalf("plain reason %v", plain.ExitReason())
	}

	// unlink removes the link on both sides.
	p4 := f.erlSpawn(t, "p4", "receive _ -> ok end")
	f.inbox.Link(p4)
	f.inbox.Unlink(p4)
	if got := f.e.Eval(t, "timer:sleep(200), process_info(VP4, links)"); got != "{links,[]}" {
		t.Fatalf("after unlink erl has %s", got)
	}
	// erl links to a dead avmsh pid: noproc.
	f.give(t, "Dead", plain.Self())
	if got := f.e.Eval(t, "catch link(Dead), receive {'EXIT', Dead, R2} -> R2 after "+erlAfter()+" -> none end"); got != "noproc" {
		t.Fatalf("link to dead avmsh pid: %s", got)
	}
}

func TestMonitorsBothWays(t *testing.T) {
	f := newFixture(t, nil)
	rt := f.n.Runtime()
	me := f.inbox
	isDown := tupleTag("DOWN", 5)

	// Monitor an erl process by pid; it exits → DOWN with its reason.
	p1 := f.erlSpawn(t, "m1", "receive stop -> exit(gone) end")
	ref, _ := me.Monitor(p1)
	_ = me.Send(p1, term.Atom("stop"))
	if m := recvMatch(t, me, isDown).(term.Tuple); m[1] != ref || m[3] != p1 || m[4] != term.Atom("gone") {
		t.Fatalf("DOWN %v", m)
	}
	// Demonitor: no DOWN.
	p2 := f.erlSpawn(t, "m2", "receive stop -> exit(gone) end")
	ref2, _ := me.Monitor(p2)
	me.Demonitor(ref2, true)
	_ = me.Send(p2, term.Atom("stop"))
	if _, err := me.Receive(ctxT(t), isDown, 500*time.Millisecond); err != vm.ErrTimeout {
		t.Fatalf("DOWN after demonitor: %v", err)
	}
	if got := f.e.Eval(t, "is_process_alive(VM2)"); got != "false" {
		t.Fatal("m2 still alive")
	}
	// By name; then the named process exits.
	f.e.Eval(t, "register(named, spawn(fun() -> receive stop -> exit(named_gone) end end))")
	ref3, _ := me.Monitor(term.Tuple{term.Atom("named"), term.Atom(f.e.Name)})
	f.e.Eval(t, "timer:sleep(100), named ! stop")
	m := recvMatch(t, me, isDown).(term.Tuple)
	if m[1] != ref3 || m[4] != term.Atom("named_gone") || !term.ExactEqual(m[3], term.Tuple{term.Atom("named"), term.Atom(f.e.Name)}) {
		t.Fatalf("DOWN by name %v", m)
	}
	// noproc for a dead pid and an unknown name.
	_, _ = me.Monitor(p1)
	if m := recvMatch(t, me, isDown).(term.Tuple); m[4] != term.Atom("noproc") {
		t.Fatalf("dead pid: %v", m)
	}
	_, _ = me.Monitor(term.Tuple{term.Atom("nobody_here"), term.Atom(f.e.Name)})
	if m := recvMatch(t, me, isDown).(term.Tuple); m[4] != term.Atom("noproc") {
		t.Fatalf("unknown name: %v", m)
	}

	// erl monitors avmsh processes: by pid, by name, dead → noproc.
	ours, _, _ := rt.Spawn(func(p *vm.Process) term.Term {
		_, _ = p.Receive(p.Context(), nil, vm.Infinity)
		return term.Atom("ours_done")
	}, vm.SpawnOptions{Name: "ours_named"})
	f.give(t, "Ours", ours.Self())
	got := f.e.Eval(t, fmt.Sprintf("R1 = monitor(process, Ours), R2 = monitor(process, {ours_named, '%s'}), Ours ! go, [receive {'DOWN', R, process, _, Why} -> Why after "+erlAfter()+" -> timeout end || R <- [R1, R2]]", f.n.Name()))
	if got != "[ours_done,ours_done]" {
		t.Fatalf("erl DOWNs: %s", got)
	}
	if got := f.e.Eval(t, "R3 = monitor(process, Ours), receive {'DOWN', R3, process, _, W3} -> W3 after "+erlAfter()+" -> timeout end"); got != "noproc" {
		t.Fatalf("erl monitor of dead avmsh pid: %s", got)
	}
	if got := f.e.Eval(t, fmt.Sprintf("R4 = monitor(process, {no_such, '%s'}), receive {'DOWN', R4, process, _, W4} -> W4 after "+erlAfter()+" -> timeout end", f.n.Name())); got != "noproc" {
		t.Fatalf("erl monitor of unknown avmsh name: %s", got)
	}
	// erl demonitors: the avmsh side forgets the monitor.
	keeper, _ := rt.NewProcess(vm.SpawnOptions{})
	defer keeper.Exit(vm.Normal)
	f.give(t, "Keeper", keeper.Self())
	f.e.Eval(t, "R5 = monitor(process, Keeper)")
	deadline := time.Now().Add(erltest.Timeout(5 * time.Second))
	for len(keeper.MonitoredBy()) != 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	f.e.Eval(t, "demonitor(R5)")
	for len(keeper.MonitoredBy()) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(keeper.MonitoredBy()); n != 0 {
		t.Fatalf("monitored_by after erl demonitor: %d", n)
	}
}

func TestNoConnectionOnKill(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Args: []string{"-kernel", "net_ticktime", "4"}})
	n := startNode(t, e.EpmdPort, e.Cookie, func(c *Config) { c.TickTime = 4 * time.Second })
	f := &fixture{e: e, n: n}
	f.inbox, _ = n.Runtime().NewProcess(vm.SpawnOptions{Name: "inbox", TrapExit: true})
	defer f.inbox.Exit(vm.Normal)
	e.Eval(t, fmt.Sprintf("Inbox = {inbox, '%s'}", n.Name()))
	events, cancel := n.Subscribe(4)
	defer cancel()
	p := f.erlSpawn(t, "victim", "receive _ -> ok end")
	ref, _ := f.inbox.Monitor(p)
	f.inbox.Link(p)
	// Monitor and link are signals: kill erl only once it has both.
	waitEval(t, e, "{length(element(2, process_info(VVictim, links))), length(element(2, process_info(VVictim, monitored_by)))}", "{1,1}")
	e.Kill()
	down := recvMatch(t, f.inbox, tupleTag("DOWN", 5)).(term.Tuple)
	exit := recvMatch(t, f.inbox, tupleTag("EXIT", 3)).(term.Tuple)
	if down[1] != ref || down[4] != term.Atom("noconnection") || exit[2] != term.Atom("noconnection") {
		t.Fatalf("got %v and %v", down, exit)
	}
	for ev := range events {
		if !ev.Up {
			if ev.Node != term.Atom(e.Name) {
				t.Fatalf("nodedown for %s", ev.Node)
			}
			break
		}
	}
}
