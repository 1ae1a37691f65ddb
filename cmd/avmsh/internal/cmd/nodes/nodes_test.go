package nodescmd_test

import (
	"strings"
	"testing"

	nodescmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/nodes"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

func TestNodes(t *testing.T) {
	e := cmdtest.New(t)
	a, b := e.StartPeer(""), e.StartPeer("")
	if err := a.Connect(t.Context(), b.Name()); err != nil {
		t.Fatal(err)
	}
	r := e.Run(nodescmd.NewCmdNodes, "", string(a.Name()), "-o", "json")
	if r.Code != 0 || r.Out != `[{"node":"`+string(b.Name())+`","type":"hidden"}]`+"\n" {
		t.Fatalf("nodes -o json: %+v", r)
	}
	r = e.Run(nodescmd.NewCmdNodes, "", string(b.Name()))
	if r.Code != 0 || !strings.Contains(r.Out, "NODE") || !strings.Contains(r.Out, string(a.Name())) {
		t.Fatalf("nodes: %+v", r)
	}
}

func TestNodesFailures(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	// AtomVM has no erlang:nodes/1.
	p.Registry().Register("erlang", "nodes", 1, func(*rpc.CallContext, []term.Term) (term.Term, error) {
		return nil, rpc.Raise("error", term.Atom("undef"))
	})
	r := e.Run(nodescmd.NewCmdNodes, "", name)
	if r.Code != cmdutil.ExitRemote || !strings.Contains(r.Err, "AtomVM does not implement it") {
		t.Fatalf("nodes without nodes/1: %+v", r)
	}
	// No answer within --timeout: 4.
	p.Registry().Register("erlang", "nodes", 1, func(c *rpc.CallContext, _ []term.Term) (term.Term, error) {
		<-c.Context().Done()
		return nil, c.Context().Err()
	})
	r = e.Run(nodescmd.NewCmdNodes, "", name, "--timeout", "200ms")
	if r.Code != cmdutil.ExitTimeout || !strings.Contains(r.Err, "timed out") {
		t.Fatalf("nodes timeout: %+v", r)
	}
	r = e.Run(nodescmd.NewCmdNodes, "", "nobody@127.0.0.1")
	if r.Code != cmdutil.ExitUnreachable {
		t.Fatalf("nodes nobody: %+v", r)
	}
	r = e.Run(nodescmd.NewCmdNodes, "")
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "nodes: missing NODE") {
		t.Fatalf("nodes without NODE: %+v", r)
	}
}
