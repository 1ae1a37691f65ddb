package observe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Requester is a Conn that can also send a message to a process on
// another node and wait for its answer (NodeConn is one). With it, the
// observer polls a BEAM node through an agent: a process it starts there
// once (an erl_eval closure, no code loaded) that holds the parsed poll
// expression and evaluates it at each request. A refresh is then one
// small message each way, where an erpc call sends the whole parsed
// expression (about 1 KiB), spawns a process on the node and gets two
// signals back (the spawn reply and the monitor's DOWN): with 200 nodes
// polled every second, that was most of the dashboard's CPU.
type Requester interface {
	// Request sends {tag, From, Ref} to the process to, from a
	// temporary process From, and returns Value from the answer
	// {Ref, Value}. It waits until ctx ends.
	Request(ctx context.Context, to term.Pid, tag term.Atom) (term.Term, error)
}

// Request implements Requester.
func (c NodeConn) Request(ctx context.Context, to term.Pid, tag term.Atom) (term.Term, error) {
	rt := c.N.Runtime()
	p, err := rt.NewProcess(vm.SpawnOptions{Label: "observe:request/3"})
	if err != nil {
		return nil, err
	}
	defer p.Exit(vm.Normal)
	ref := rt.MakeRef()
	if err := p.Send(to, term.Tuple{tag, p.Self(), ref}); err != nil {
		return nil, err
	}
	msg, err := p.Receive(ctx, func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) == 2 && t[0] == ref
	}, vm.Infinity)
	if err != nil {
		return nil, err
	}
	return msg.(term.Tuple)[1], nil
}

// agentTag tags the requests an agent answers.
const agentTag = term.Atom("avmsh_observe_poll")

// DefaultAgentIdle is how long an agent waits for a request before it
// ends (Config.AgentIdle).
const DefaultAgentIdle = 30 * time.Second

// agentNoDeadline bounds a request made with a context that has no
// deadline: an agent that is gone never answers (a request carries no
// monitor, which would cost two more signals a refresh).
const agentNoDeadline = 30 * time.Second

// beamAgent is the agent's expression, evaluated once per node and poll
// expression with the bindings ObserveSrc (the poll expression's text,
// scanned and parsed there: no parsed form is kept on this side),
// ObserveBs (its bindings), ObserveOwner (this node) and ObserveIdle
// (milliseconds). Its value is the agent's pid. The agent answers
// {Ref, catch erl_eval:exprs(Exprs, ObserveBs)} to each
// {avmsh_observe_poll, From, Ref}, and ends when this node's connection
// goes down (monitor_node) or after ObserveIdle without a request (the
// view that polled it is no longer on screen).
const beamAgent = `{ok, ObserveToks, _} = erl_scan:string(ObserveSrc),
{ok, ObserveExprs} = erl_parse:parse_exprs(ObserveToks),
erlang:spawn(fun () ->
  erlang:monitor_node(ObserveOwner, true),
  ObserveLoop = fun ObserveAgent() ->
    receive
      {avmsh_observe_poll, From, Ref} when is_pid(From) ->
        From ! {Ref, catch erl_eval:exprs(ObserveExprs, ObserveBs)},
        ObserveAgent();
      {nodedown, ObserveOwner} -> nodedown;
      _ -> ObserveAgent()
    after ObserveIdle -> idle
    end
  end,
  ObserveLoop()
end).`

// agent is a running agent and when it was last asked.
type agent struct {
	pid  term.Pid
	used time.Time
}

// agentEval evaluates the poll expression src on node n through its
// agent, starting one when there is none or the last was idle long
// enough to have ended.
func (o *Observer) agentEval(ctx context.Context, r Requester, n term.Atom, src string, bindings term.List) (term.Term, error) {
	key := string(n) + "\x00" + src
	now := time.Now()
	o.mu.Lock()
	a, ok := o.agents[key]
	if ok && now.Sub(a.used) > o.cfg.AgentIdle*2/3 {
		ok = false // it may end before this request reaches it
	}
	if ok {
		a.used = now
		o.agents[key] = a
	}
	o.mu.Unlock()
	if !ok {
		pid, err := o.startAgent(ctx, n, src, bindings)
		if err != nil {
			return nil, err
		}
		a = agent{pid: pid, used: now}
		o.mu.Lock()
		o.agents[key] = a
		o.mu.Unlock()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, agentNoDeadline)
		defer cancel()
	}
	v, err := r.Request(ctx, a.pid, agentTag)
	if err != nil {
		o.dropAgent(key, a.pid) // gone, or slow: the next poll starts another
		if errors.Is(err, vm.ErrExited) {
			return nil, fmt.Errorf("poll %s: the requesting process exited", n)
		}
		return nil, fmt.Errorf("poll %s: no answer from its observer agent %s: %w", n, syntax.Write(a.pid, syntax.Options{}), err)
	}
	t, ok := v.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("value") {
		return nil, fmt.Errorf("evaluate the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
	}
	return t[1], nil
}

// startAgent starts an agent for src on n. Neither its expression's
// parsed form nor the poll's is kept here (a few KiB of terms a node):
// an agent is started once per node and view, not every refresh.
func (o *Observer) startAgent(ctx context.Context, n term.Atom, src string, bindings term.List) (term.Pid, error) {
	exprs, err := o.parse(ctx, n, beamAgent)
	if err != nil {
		return term.Pid{}, err
	}
	var bs term.Term = term.Nil
	if len(bindings) > 0 {
		bs = bindings
	}
	owner := term.Atom("nonode@nohost")
	if o.cfg.Node != nil {
		owner = o.cfg.Node.Name()
	}
	v, err := o.call(ctx, n, "erl_eval", "exprs", exprs, term.List{
		term.Tuple{term.Atom("ObserveBs"), bs},
		term.Tuple{term.Atom("ObserveIdle"), term.Int(o.cfg.AgentIdle.Milliseconds())},
		term.Tuple{term.Atom("ObserveOwner"), owner},
		term.Tuple{term.Atom("ObserveSrc"), term.String(src)},
	})
	if err != nil {
		return term.Pid{}, fmt.Errorf("start the observer agent on %s: %w", n, err)
	}
	if t, ok := v.(term.Tuple); ok && len(t) == 3 && t[0] == term.Atom("value") {
		if pid, ok := t[1].(term.Pid); ok {
			return pid, nil
		}
	}
	return term.Pid{}, fmt.Errorf("start the observer agent on %s: %s", n, syntax.Write(v, syntax.Options{}))
}

// dropAgent forgets the agent of key if it is still pid.
func (o *Observer) dropAgent(key string, pid term.Pid) {
	o.mu.Lock()
	if a, ok := o.agents[key]; ok && a.pid == pid {
		delete(o.agents, key)
	}
	o.mu.Unlock()
}
