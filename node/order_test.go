package node

import (
	"testing"

	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// TestAtomVMMonitorByNameKeepsOrder: erlang:monitor(process, {Name,
// AtomVMNode}) followed by {Name, AtomVMNode} ! stop reaches AtomVM as
// MONITOR_P then REG_SEND (spec §2.3), however long the name takes to
// resolve, and the DOWN carries the process's own exit reason and the
// {Name, Node} item, as a BEAM node gets it (issue 15, defect 10: the
// send used to overtake the monitor, which then reported noproc). A name
// that is not registered still gives noproc without risking the
// connection, and signals held behind it are not lost.
func TestAtomVMMonitorByNameKeepsOrder(t *testing.T) {
	n := startNode(t, 0, "c", func(c *Config) { c.PortMapper = nil })
	const avmName = term.Atom("avm@127.0.0.1")
	avm := dialAtomVM(t, n, string(avmName))
	waitPeer(t, n, avmName)
	worker := term.NewPid(avmName, 7, 0, 1)
	release := make(chan struct{})
	n.SetNameResolver(func(node, name term.Atom) (term.Pid, bool, error) {
		<-release // a slow board: the send is issued long before this returns
		return worker, name == "worker", nil
	})
	me, _ := n.Runtime().NewProcess(vm.SpawnOptions{})
	defer me.Exit(vm.Normal)

	dest := term.Tuple{term.Atom("worker"), avmName}
	ref, err := me.Monitor(dest)
	if err != nil {
		t.Fatal(err)
	}
	if err := me.Send(dest, term.Atom("stop")); err != nil {
		t.Fatal(err)
	}
	close(release)
	ctrl, _ := avm.next()
	if ctrl[0] != term.Int(dist.OpMonitorP) || !term.ExactEqual(ctrl[2], worker) || !term.ExactEqual(ctrl[3], ref) {
		t.Fatalf("first signal %v, want MONITOR_P of %v", ctrl, worker)
	}
	ctrl, payload := avm.next()
	if ctrl[0] != term.Int(dist.OpRegSend) || ctrl[3] != term.Atom("worker") || payload != term.Atom("stop") {
		t.Fatalf("second signal %v %v, want REG_SEND stop to worker", ctrl, payload)
	}
	// The worker exits; AtomVM reports the monitor with the pid it was
	// given (spec §2.5, PAYLOAD_MONITOR_P_EXIT).
	avm.send(term.Tuple{term.Int(dist.OpPayloadMonitorPExit), worker, me.Self(), ref}, term.Atom("stopped_by_request"))
	down := recvMatch(t, me, tupleTag("DOWN", 5)).(term.Tuple)
	if down[1] != ref || !term.ExactEqual(down[3], dest) || down[4] != term.Atom("stopped_by_request") {
		t.Fatalf("DOWN %v, want item %v and the exit reason", down, dest)
	}

	// An unknown name: noproc, and the send held behind it still goes.
	ghost := term.Tuple{term.Atom("ghost"), avmName}
	ref2, _ := me.Monitor(ghost)
	_ = me.Send(ghost, term.Atom("boo"))
	down = recvMatch(t, me, tupleTag("DOWN", 5)).(term.Tuple)
	if down[1] != ref2 || down[4] != term.Atom("noproc") {
		t.Fatalf("DOWN %v, want noproc", down)
	}
	if ctrl, payload := avm.next(); ctrl[0] != term.Int(dist.OpRegSend) || payload != term.Atom("boo") {
		t.Fatalf("held send %v %v", ctrl, payload)
	}
}
