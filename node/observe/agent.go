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

// Requester is a Conn that can also send messages to processes on
// other nodes and wait for their answers (NodeConn is one). With it, the
// observer polls a BEAM node through an agent: a process it starts there
// once (an erl_eval closure, no code loaded) that holds the parsed poll
// expression and evaluates it at each request. A refresh is then one
// small message each way, where an erpc call sends the whole parsed
// expression (about 1 KiB), spawns a process on the node and gets two
// signals back (the spawn reply and the monitor's DOWN): with 200 nodes
// polled every second, that was most of the dashboard's CPU.
type Requester interface {
	// Request sends {tag, From, Ref} to every process of to, from one
	// temporary process From and with a reference each, and returns
	// one Answer per process, in the order of to: the Value of its
	// answer {Ref, Value}, or an error when it could not be sent or
	// ctx ended before it came (the process is then killed: the
	// observer starts another at the next poll).
	Request(ctx context.Context, to []term.Pid, tag term.Atom) []Answer
}

// Answer is one process's answer to a Request.
type Answer struct {
	Value term.Term
	Sent  time.Time // when the request was sent
	At    time.Time // when the answer arrived
	Err   error
}

// Request implements Requester. The answers land in one mailbox: a
// refresh of many nodes wakes this goroutine a few times, not once a
// node.
func (c NodeConn) Request(ctx context.Context, to []term.Pid, tag term.Atom) []Answer {
	out := make([]Answer, len(to))
	rt := c.N.Runtime()
	p, err := rt.NewProcess(vm.SpawnOptions{Label: "observe:request/3"})
	if err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	defer p.Exit(vm.Normal)
	refs := make(map[term.Ref]int, len(to))
	for i, pid := range to {
		ref := rt.MakeRef()
		out[i].Sent = time.Now()
		if err := p.Send(pid, term.Tuple{tag, p.Self(), ref}); err != nil {
			out[i].Err = err
			continue
		}
		refs[ref] = i
	}
	for len(refs) > 0 {
		msg, err := p.Receive(ctx, func(m term.Term) bool {
			t, ok := m.(term.Tuple)
			if !ok || len(t) != 2 {
				return false
			}
			ref, ok := t[0].(term.Ref)
			_, mine := refs[ref]
			return ok && mine
		}, vm.Infinity)
		if err != nil {
			for _, i := range refs {
				out[i].Err = err
				// Like erpc with a call that timed out: what did not
				// answer in time does not keep running (a slow node
				// would otherwise gather an agent a refresh).
				_ = rt.ExitSignal(p.Self(), to[i], vm.Kill)
			}
			break
		}
		t := msg.(term.Tuple)
		ref := t[0].(term.Ref)
		i := refs[ref]
		out[i].Value, out[i].At = t[1], time.Now()
		delete(refs, ref)
	}
	return out
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
	key := agentKey(n, src)
	now := time.Now()
	a, ok := o.liveAgent(key, now)
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
	ans := r.Request(ctx, []term.Pid{a.pid}, agentTag)[0]
	return o.agentAnswer(n, key, a.pid, ans)
}

// agentAnswer reads the answer of the agent pid (of key) on n.
func (o *Observer) agentAnswer(n term.Atom, key string, pid term.Pid, ans Answer) (term.Term, error) {
	if err := ans.Err; err != nil {
		o.dropAgent(key, pid) // gone, or slow (killed): the next poll starts another
		if errors.Is(err, vm.ErrExited) {
			return nil, fmt.Errorf("poll %s: the requesting process exited", n)
		}
		return nil, fmt.Errorf("poll %s: no answer in time from its observer agent %s (the next poll starts another): %w",
			n, syntax.Write(pid, syntax.Options{}), err)
	}
	v := ans.Value
	t, ok := v.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("value") {
		return nil, fmt.Errorf("evaluate the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
	}
	return t[1], nil
}

func agentKey(n term.Atom, src string) string { return string(n) + "\x00" + src }

// liveAgent returns the agent of key, unless there is none or it was
// idle long enough that it may end before a request reaches it; the
// agent is marked used at now.
func (o *Observer) liveAgent(key string, now time.Time) (agent, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.agents[key]
	if !ok || now.Sub(a.used) > o.cfg.AgentIdle*2/3 {
		return agent{}, false
	}
	a.used = now
	o.agents[key] = a
	return a, true
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
