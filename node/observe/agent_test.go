package observe_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/vm/term"
)

// agentConn is a NodeConn (so a Requester) that counts erpc calls and
// requests.
type agentConn struct {
	observe.NodeConn
	calls, requests atomic.Int64
}

func (c *agentConn) Call(ctx context.Context, n, m, f term.Atom, args []term.Term) (term.Term, error) {
	c.calls.Add(1)
	return c.NodeConn.Call(ctx, n, m, f, args)
}

func (c *agentConn) Request(ctx context.Context, to []term.Pid, tag term.Atom) []observe.Answer {
	c.requests.Add(int64(len(to)))
	return c.NodeConn.Request(ctx, to, tag)
}

// agentsOn counts the processes of erl that wait in an interpreted
// receive (erl_eval's prim_eval): the observer's agents.
func agentsOn(t *testing.T, e *erltest.Node) int {
	t.Helper()
	s := e.Eval(t, `length([P || P <- erlang:processes(), P =/= self(),
		case erlang:process_info(P, current_function) of {current_function, {prim_eval, 'receive', _}} -> true; _ -> false end])`)
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("count agents: %q", s)
	}
	return n
}

// waitAgents waits until erl has want agents (generous deadline: the
// machine may be loaded).
func waitAgents(t *testing.T, e *erltest.Node, want int, why string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := agentsOn(t, e)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d agents on %s, want %d", why, got, e.Name, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAgentAgainstErl: after the first poll of a BEAM node (which
// parses the expression and starts the agent with erpc calls), every
// refresh is one request to the agent and no erpc call, with the same
// answers; the agent ends once it is not asked for AgentIdle, or is
// killed when a request times out, a later poll starts another, and it
// ends when the connection goes down.
func TestAgentAgainstErl(t *testing.T) {
	e, n := startErl(t)
	target := term.Atom(e.Name)
	before := agentsOn(t, e)
	conn := &agentConn{NodeConn: observe.NodeConn{N: n}}
	o := observe.New(observe.Config{Node: n, Conn: conn, AgentIdle: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	check := func(s observe.Snapshot, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		ov := s.Overview
		if ov == nil || !strings.HasPrefix(ov.Version, "OTP ") || ov.Memory["total"] <= 0 || ov.ProcCount < 10 {
			t.Fatalf("overview through the agent: %+v", ov)
		}
	}
	check(o.Poll(ctx, target, observe.SecOverview))
	calls, reqs := conn.calls.Load(), conn.requests.Load()
	if reqs != 1 {
		t.Errorf("first poll: %d requests, want 1", reqs)
	}
	for range 3 {
		check(o.Poll(ctx, target, observe.SecOverview))
	}
	if got := conn.calls.Load() - calls; got != 0 {
		t.Errorf("3 refreshes made %d erpc calls, want 0", got)
	}
	if got := conn.requests.Load() - reqs; got != 3 {
		t.Errorf("3 refreshes made %d requests, want 3", got)
	}
	waitAgents(t, e, before+1, "while polling")

	// The process table through the agent leaves the agent out.
	s, err := o.Poll(ctx, target, observe.SecOverview|observe.SecProcs)
	if err != nil || s.Procs == nil {
		t.Fatalf("process table through the agent: %+v %v", s, err)
	}
	for _, p := range s.Procs.Procs {
		if p.Status == "running" && strings.HasPrefix(p.Current, "erl_eval:") {
			t.Errorf("the agent is in the table: %+v", p)
		}
	}
	waitAgents(t, e, before, "after AgentIdle without a request")
	check(o.Poll(ctx, target, observe.SecOverview)) // a new agent
	waitAgents(t, e, before+1, "polling again")
	// A request that times out kills its agent, and the next poll
	// starts another.
	done, stop := context.WithCancel(ctx)
	stop()
	if _, err := o.Poll(done, target, observe.SecOverview); err == nil {
		t.Fatal("a poll with an ended context answered")
	}
	waitAgents(t, e, before, "after a request that timed out")
	check(o.Poll(ctx, target, observe.SecOverview))
	waitAgents(t, e, before+1, "polling after a timeout")
	if !n.Disconnect(target) {
		t.Fatal("not connected")
	}
	waitAgents(t, e, before, "after the connection went down")
}

// TestPollManyAgainstErl: PollMany polls two erl nodes (and a name that
// is not connected, which fails alone): the first time one by one
// (erpc calls that start the agents), then with one request to each
// agent and no erpc call, every overview read.
func TestPollManyAgainstErl(t *testing.T) {
	e1, n := startErl(t)
	e2 := erltest.Start(t, erltest.Options{EpmdPort: e1.EpmdPort, Cookie: e1.Cookie})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := n.Connect(ctx, term.Atom(e2.Name)); err != nil {
		t.Fatal(err)
	}
	conn := &agentConn{NodeConn: observe.NodeConn{N: n}}
	o := observe.New(observe.Config{Node: n, Conn: conn})
	nodes := []term.Atom{term.Atom(e1.Name), "nobody@127.0.0.1", term.Atom(e2.Name)}
	check := func(round string, res []observe.Result) {
		t.Helper()
		if len(res) != len(nodes) {
			t.Fatalf("%s: %d results for %d nodes", round, len(res), len(nodes))
		}
		for i, r := range res {
			if i == 1 {
				if r.Err == nil || !strings.Contains(r.Err.Error(), "not connected") {
					t.Errorf("%s: %s: error %v, want not connected", round, nodes[i], r.Err)
				}
				continue
			}
			ov := r.Snapshot.Overview
			if r.Err != nil || r.Snapshot.Node != nodes[i] || ov == nil || ov.Node != nodes[i] ||
				!strings.HasPrefix(ov.Version, "OTP ") || ov.ProcCount < 10 || r.Snapshot.RTT <= 0 {
				t.Errorf("%s: %s: %+v %v", round, nodes[i], r.Snapshot, r.Err)
			}
		}
	}
	check("first", o.PollMany(ctx, nodes, observe.SecOverview, observe.ManyOptions{Timeout: 30 * time.Second}))
	calls, reqs := conn.calls.Load(), conn.requests.Load()
	if calls == 0 || reqs != 2 {
		t.Errorf("first round: %d erpc calls, %d requests; want some calls (the agents' start) and 2 requests", calls, reqs)
	}
	check("second", o.PollMany(ctx, nodes, observe.SecOverview, observe.ManyOptions{Timeout: 30 * time.Second}))
	if got := conn.calls.Load() - calls; got != 0 {
		t.Errorf("second round: %d erpc calls, want 0", got)
	}
	if got := conn.requests.Load() - reqs; got != 2 {
		t.Errorf("second round: %d requests, want 2 (one to each agent)", got)
	}
}
