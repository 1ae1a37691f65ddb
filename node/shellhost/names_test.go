package shellhost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

// TestNodeAndNamesLikeRemsh: with avmsh's evaluator, node() is the
// target's (as in erl -remsh; the prompt names it) and avmsh_node() /
// node(self()) are avmsh's own (issue 15, defect 9); the {Name, Node}
// operations of an erl shell behave as there, against a real erl node
// (defect 10): a monitor by name then a send to the name gives the DOWN
// with the exit reason and the {Name, Node} item; link and exit/2 on a
// pid from whereis/1. (AtomVM's side, where a monitor by name must be
// resolved first, is node's TestAtomVMMonitorByNameKeepsOrder.)
func TestNodeAndNamesLikeRemsh(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, reg := startNode(t, e.EpmdPort, e.Cookie)
	s, h, err := shellhost.NewSession(n, term.Atom(e.Name), shellhost.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	eval := func(src string) string {
		t.Helper()
		out, err := s.Eval(context.Background(), src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return strings.TrimSuffix(out, "\n")
	}
	target, ours := "'"+e.Name+"'", "'"+string(n.Name())+"'"
	for src, want := range map[string]string{
		"node().":           target,
		"avmsh_node().":     ours,
		"node(self()).":     ours,
		"erlang:node().":    target,
		"{worker, node()}.": "{worker," + target + "}",
	} {
		if got := eval(src); got != want {
			t.Errorf("%s = %s, want %s", src, got, want)
		}
	}

	e.Eval(t, "register(worker, spawn(fun() -> receive stop -> exit(stopped_by_request) end end))")
	if got := eval("R = monitor(process, {worker, node()}), {worker, node()} ! stop, receive {'DOWN', R, process, Item, Why} -> {Item, Why} after 5000 -> timeout end."); got != "{{worker,"+target+"},stopped_by_request}" {
		t.Errorf("monitor by name then send: %s", got)
	}
	e.Eval(t, "register(worker2, spawn(fun() -> receive _ -> ok end end))")
	got := eval("process_flag(trap_exit, true), W = whereis(worker2), link(W), exit(W, bye), receive {'EXIT', W, R2} -> R2 after 5000 -> timeout end.")
	if got != "bye" {
		t.Errorf("link and exit/2 on whereis/1's pid: %s", got)
	}
	if got := eval("whereis(worker2)."); got != "undefined" {
		t.Errorf("worker2 after exit/2: %s", got)
	}
}
