package node

import (
	"fmt"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

func TestPingBothWays(t *testing.T) {
	e, n := interop(t, nil)
	if err := n.Ping(ctxT(t), term.Atom(e.Name)); err != nil {
		t.Fatalf("avmsh → erl ping: %v", err)
	}
	if got := e.Eval(t, fmt.Sprintf("net_adm:ping('%s')", n.Name())); got != "pong" {
		t.Fatalf("erl → avmsh ping = %s", got)
	}
	// Hidden by default: erl lists us under nodes(hidden), not nodes().
	if got := e.Eval(t, "{nodes(), nodes(hidden)}"); got != fmt.Sprintf("{[],['%s']}", n.Name()) {
		t.Fatalf("erl sees %s", got)
	}
	peers := n.Nodes()
	if len(peers) != 1 || peers[0].Node != term.Atom(e.Name) || peers[0].Kind != KindBEAM {
		t.Fatalf("Nodes() = %+v", peers)
	}
}

func TestSendBothWays(t *testing.T) {
	e, n := interop(t, nil)
	// erltest's evaluating process is registered as sink: what we send
	// waits in its mailbox for the next receive (no sleep needed).
	e.Eval(t, `register(sink, self())`)
	me, _ := n.Runtime().NewProcess(vm.SpawnOptions{})
	defer me.Exit(vm.Normal)
	_ = me.Send(term.Tuple{term.Atom("sink"), term.Atom(e.Name)}, term.Tuple{term.Atom("hello"), me.Self()})
	// erl learns our pid and sends back to it and to our registered name.
	if err := n.Runtime().Register("inbox", me.Self()); err != nil {
		t.Fatal(err)
	}
	e.Eval(t, `receive {hello, P} -> put(p, P) after `+erlAfter()+` -> error(no_hello) end`)
	e.Eval(t, fmt.Sprintf(`get(p) ! {to_pid, node()}, {inbox, '%s'} ! {to_name, node()}`, n.Name()))
	m1 := recvMatch(t, me, tupleTag("to_pid", 2)).(term.Tuple)
	m2 := recvMatch(t, me, tupleTag("to_name", 2)).(term.Tuple)
	if m1[1] != term.Atom(e.Name) || m2[1] != term.Atom(e.Name) {
		t.Fatalf("got %v %v", m1, m2)
	}
	// Send to an erl pid we learn from a message.
	e.Eval(t, fmt.Sprintf(`{inbox, '%s'} ! {sink_pid, whereis(sink)}`, n.Name()))
	sp := recvMatch(t, me, tupleTag("sink_pid", 2)).(term.Tuple)[1].(term.Pid)
	_ = me.Send(sp, term.Atom("direct"))
	got := e.Eval(t, `receive direct -> [direct] after `+erlAfter()+` -> timeout end`)
	if got != "[direct]" {
		t.Fatalf("sink got %s; erl output:\n%s", got, e.Output())
	}
	if !strings.Contains(e.Eval(t, "nodes(hidden)"), string(n.Name())) {
		t.Fatal("not connected")
	}
}
