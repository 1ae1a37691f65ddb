package node

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

func TestSpawnRequestFromErl(t *testing.T) {
	f := newFixture(t, nil)
	// Without an RPC handler a spawned function is undefined: the process
	// exits with undef, exactly like OTP for a missing module.
	got := f.e.Eval(t, fmt.Sprintf(`ReqId = spawn_request('%s', nosuchmod, nofun, [1], [monitor]), receive {spawn_reply, ReqId, ok, SPid} -> receive {'DOWN', ReqId, process, SPid, Why} -> {node(SPid), Why} after `+erlAfter()+` -> no_down end after `+erlAfter()+` -> no_reply end`, f.n.Name()))
	want := fmt.Sprintf("{'%s',{undef,[{nosuchmod,nofun,[1],[]}]}}", f.n.Name())
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	// A handler decides what runs; the group leader is the requester's.
	f.n.SetSpawnHandler(func(req SpawnRequest) (vm.Body, term.Term) {
		if req.Module != "echo" {
			return nil, term.Atom("badarg")
		}
		return func(p *vm.Process) term.Term {
			return term.Tuple{term.Atom("echoed"), term.List(req.Args), p.GroupLeader()}
		}, nil
	})
	got = f.e.Eval(t, fmt.Sprintf(`R2 = spawn_request('%s', echo, f, [a], [monitor, link]), receive {spawn_reply, R2, ok, P2} -> receive {'DOWN', R2, process, P2, W2} -> W2 =:= {echoed, [a], group_leader()} after `+erlAfter()+` -> no_down end after `+erlAfter()+` -> no_reply end`, f.n.Name()))
	if got != "true" {
		t.Fatalf("echo spawn: %s", got)
	}
	got = f.e.Eval(t, fmt.Sprintf(`R3 = spawn_request('%s', other, f, [], []), receive {spawn_reply, R3, error, E3} -> E3 after `+erlAfter()+` -> no_reply end`, f.n.Name()))
	if got != "badarg" {
		t.Fatalf("refused spawn: %s", got)
	}
}

func TestSpawnRequestToErl(t *testing.T) {
	f := newFixture(t, nil)
	ref, err := f.n.SpawnRequest(f.inbox, term.Atom(f.e.Name), "erlang", "node", nil, SpawnOptions{Monitor: true})
	if err != nil {
		t.Fatal(err)
	}
	reply := recvMatch(t, f.inbox, tupleTag("spawn_reply", 4)).(term.Tuple)
	if reply[1] != ref || reply[2] != term.Atom("ok") {
		t.Fatalf("reply %v", reply)
	}
	down := recvMatch(t, f.inbox, tupleTag("DOWN", 5)).(term.Tuple)
	if down[1] != ref || down[3] != reply[3] || down[4] != term.Atom("normal") {
		t.Fatalf("DOWN %v", down)
	}
	// erpc:execute_call/4, as our RPC layer will use it.
	rref := f.n.Runtime().MakeRef()
	ref2, _ := f.n.SpawnRequest(f.inbox, term.Atom(f.e.Name), "erpc", "execute_call", []term.Term{rref, term.Atom("erlang"), term.Atom("node"), term.Nil}, SpawnOptions{Monitor: true})
	down = recvMatch(t, f.inbox, func(m term.Term) bool {
		tp, ok := m.(term.Tuple)
		return ok && len(tp) == 5 && tp[0] == term.Atom("DOWN") && tp[1] == ref2
	}).(term.Tuple)
	if !term.ExactEqual(down[4], term.Tuple{rref, term.Atom("return"), term.Atom(f.e.Name)}) {
		t.Fatalf("erpc result %v", down[4])
	}
}

func TestAliasAndGroupLeader(t *testing.T) {
	f := newFixture(t, nil)
	// avmsh → erl alias.
	a := f.take(t, "alias", "EA = alias(), Inbox ! {alias, EA}").(term.Ref)
	_ = f.inbox.Send(a, term.Atom("via_alias"))
	if got := f.e.Eval(t, "receive via_alias -> yes after "+erlAfter()+" -> no end"); got != "yes" {
		t.Fatalf("erl alias: %s", got)
	}
	// erl → avmsh alias.
	ours := f.inbox.Alias()
	f.give(t, "OA", ours)
	f.e.Eval(t, "OA ! {aliased, node()}")
	if m := recvMatch(t, f.inbox, tupleTag("aliased", 2)).(term.Tuple); m[1] != term.Atom(f.e.Name) {
		t.Fatalf("got %v", m)
	}
	// erl sets the group leader of an avmsh process.
	target, _ := f.n.Runtime().NewProcess(vm.SpawnOptions{})
	defer target.Exit(vm.Normal)
	f.give(t, "Target", target.Self())
	glPid := f.take(t, "gl", "GLP = spawn(fun() -> receive _ -> ok end end), group_leader(GLP, Target), Inbox ! {gl, GLP}").(term.Pid)
	deadline := time.Now().Add(erltest.Timeout(5 * time.Second))
	for target.GroupLeader() != glPid && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if target.GroupLeader() != glPid {
		t.Fatalf("group leader %v, want %v", target.GroupLeader(), glPid)
	}
	// avmsh sets the group leader of an erl process.
	ep := f.erlSpawn(t, "glt", "receive {check, From} -> From ! {gl_is, group_leader()} end")
	if err := f.n.Runtime().SetGroupLeaderOf(ep, f.inbox.Self()); err != nil {
		t.Fatal(err)
	}
	// The group-leader signal and the check message come from different
	// senders: wait until erl has applied the signal.
	f.give(t, "InboxPid", f.inbox.Self())
	waitEval(t, f.e, "element(2, process_info(VGlt, group_leader)) =:= InboxPid", "true")
	_ = f.inbox.Send(ep, term.Tuple{term.Atom("check"), f.inbox.Self()})
	if m := recvMatch(t, f.inbox, tupleTag("gl_is", 2)).(term.Tuple); m[1] != f.inbox.Self() {
		t.Fatalf("erl process group leader %v", m[1])
	}
}

func TestLargeBinaryBothWays(t *testing.T) {
	f := newFixture(t, nil)
	big := make([]byte, 20<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	sum := md5.Sum(big)
	sink := f.erlSpawn(t, "bigsink", "receive {B, From} -> From ! {bigsum, byte_size(B), erlang:md5(B)} end")
	_ = f.inbox.Send(sink, term.Tuple{term.Binary(big), f.inbox.Self()})
	m := recvMatch(t, f.inbox, tupleTag("bigsum", 3)).(term.Tuple)
	if m[1] != term.Int(len(big)) || !bytes.Equal(m[2].(term.Binary), sum[:]) {
		t.Fatalf("erl got %v bytes, md5 %x", m[1], m[2])
	}
	back := f.take(t, "bigback", "Inbox ! {bigback, binary:copy(<<1,2,3,4,5>>, 4 * 1024 * 1024)}, ok").(term.Binary)
	if len(back) != 20<<20 || !bytes.Equal(back[:10], []byte{1, 2, 3, 4, 5, 1, 2, 3, 4, 5}) {
		t.Fatalf("got %d bytes", len(back))
	}
}

func TestWrongCookie(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bad := startNode(t, e.EpmdPort, "not-the-cookie", nil)
	err := bad.Ping(ctxT(t), term.Atom(e.Name))
	if err == nil || !errors.Is(err, ErrPang) {
		t.Fatalf("ping with a wrong cookie: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-cookie") || strings.Contains(err.Error(), e.Cookie) {
		t.Fatalf("cookie leaked: %v", err)
	}
	if !errors.Is(err, handshake.ErrBadCookie) {
		t.Fatalf("error does not say the cookies differ: %v", err)
	}
	if got := e.Eval(t, fmt.Sprintf("net_adm:ping('%s')", bad.Name())); got != "pang" {
		t.Fatalf("erl ping with a wrong cookie: %s", got)
	}
	// The node still serves a peer with the right cookie.
	good := erltest.Start(t, erltest.Options{EpmdPort: e.EpmdPort, Cookie: "not-the-cookie"})
	if got := good.Eval(t, fmt.Sprintf("net_adm:ping('%s')", bad.Name())); got != "pong" {
		t.Fatalf("right-cookie ping after failures: %s", got)
	}
	if err := bad.Ping(ctxT(t), term.Atom(good.Name)); err != nil {
		t.Fatal(err)
	}
	// Per-node cookie.
	bad.SetCookie(term.Atom(e.Name), e.Cookie)
	if err := bad.Ping(ctxT(t), term.Atom(e.Name)); err != nil {
		t.Fatalf("ping with a per-node cookie: %v", err)
	}
}

func TestMillionMessagesInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	counter := `-module(counter).
-export([start/0, blast/2]).
blast(To, N) -> spawn(fun() -> blast(To, 0, N) end).
blast(_, N, N) -> ok;
blast(To, I, N) -> To ! {n, I}, blast(To, I + 1, N).
start() -> spawn(fun() -> loop(0) end).
loop(N) -> receive {n, N} -> loop(N + 1); {n, M} -> exit({out_of_order, N, M}); {get, From} -> From ! {count, N}, loop(N) end.
`
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"counter": counter}})
	n := startNode(t, e.EpmdPort, e.Cookie, nil)
	f := &fixture{e: e, n: n}
	f.inbox, _ = n.Runtime().NewProcess(vm.SpawnOptions{Name: "inbox"})
	defer f.inbox.Exit(vm.Normal)
	e.Eval(t, fmt.Sprintf("Inbox = {inbox, '%s'}", n.Name()))
	total := 1_000_000
	if raceEnabled {
		total = 100_000 // the full million runs without -race (scripts/test)
	}
	c := f.take(t, "counter", "C = counter:start(), Inbox ! {counter, C}").(term.Pid)
	for i := 0; i < total; i++ {
		_ = f.inbox.Send(c, term.Tuple{term.Atom("n"), term.Int(i)})
	}
	_ = f.inbox.Send(c, term.Tuple{term.Atom("get"), f.inbox.Self()})
	m, err := f.inbox.Receive(context.Background(), tupleTag("count", 2), erltest.Timeout(60*time.Second))
	if err != nil || m.(term.Tuple)[1] != term.Int(total) {
		t.Fatalf("avmsh → erl: %v %v (erl: %s)", m, err, e.Output())
	}
	// erl → avmsh.
	e.Eval(t, fmt.Sprintf("counter:blast(Inbox, %d)", total))
	for i := 0; i < total; i++ {
		m, err := f.inbox.Receive(context.Background(), nil, erltest.Timeout(30*time.Second))
		if err != nil {
			t.Fatalf("erl → avmsh: after %d messages: %v", i, err)
		}
		if tp := m.(term.Tuple); tp[1] != term.Int(i) {
			t.Fatalf("erl → avmsh: message %d is %v", i, m)
		}
	}
}
