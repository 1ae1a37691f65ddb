package observe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Conn is how an Observer reaches nodes. NodeConn is the real one;
// tests substitute fakes (see observetest).
type Conn interface {
	// Call applies Module:Function(Args) on node in one erpc call.
	// Exceptions are returned as the errors of package rpc
	// (*rpc.RemoteError for error:undef and error:badarg).
	Call(ctx context.Context, node, module, function term.Atom, args []term.Term) (term.Term, error)
	// Kind says what a connected node is (node.KindBEAM, KindAtomVM,
	// KindAvmsh); ok is false when it is not connected.
	Kind(node term.Atom) (kind string, ok bool)
}

// NodeConn is the Conn of a running avmsh node: erpc calls through
// package rpc, kinds from the connection table.
type NodeConn struct{ N *node.Node }

// Call implements Conn.
func (c NodeConn) Call(ctx context.Context, n, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	return rpc.Call(ctx, c.N, n, mod, fun, args, rpc.Options{})
}

// Kind implements Conn.
func (c NodeConn) Kind(n term.Atom) (string, bool) {
	p, ok := c.N.Peer(n)
	return p.Kind, ok
}

// Config configures an Observer.
type Config struct {
	// Node is the local node: its own processes are read from its
	// runtime, and, when Conn is nil, other nodes through NodeConn.
	Node *node.Node
	// Conn reaches other nodes (nil: NodeConn{Node}).
	Conn Conn
	// Registry and Process serve Process() on the local node
	// (process_info/1 of the built-in erlang module); optional.
	Registry *rpc.Registry
	Process  *vm.Process
	// MaxProcs caps the rows of a BEAM process table (default 5000);
	// AtomVM and avmsh tables are capped at 256.
	MaxProcs int
	// MaxETS and MaxPorts cap those tables (default 1000 each);
	// MaxModules the module list (default 5000).
	MaxETS, MaxPorts, MaxModules int
	// MaxDepth, MaxChildren and MaxTreeNodes bound the application
	// tree walk (defaults 4, 50, 500).
	MaxDepth, MaxChildren, MaxTreeNodes int
	// AgentIdle is how long an agent on a BEAM node waits for the next
	// request before it ends (default DefaultAgentIdle; see Requester).
	AgentIdle time.Duration
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxProcs, 5000)
	def(&c.MaxETS, 1000)
	def(&c.MaxPorts, 1000)
	def(&c.MaxModules, 5000)
	def(&c.MaxDepth, 4)
	def(&c.MaxChildren, 50)
	def(&c.MaxTreeNodes, 500)
	if c.AgentIdle <= 0 {
		c.AgentIdle = DefaultAgentIdle
	}
	if c.Conn == nil && c.Node != nil {
		c.Conn = NodeConn{N: c.Node}
	}
	return c
}

// Observer reads nodes: one request per refresh on BEAM nodes, the few
// calls AtomVM answers on boards. It remembers per node the parsed poll
// expressions and the optional calls a node lacks; Forget clears both
// when the node reconnects, and the agents it started on BEAM nodes
// (see Requester). It is safe for concurrent use.
type Observer struct {
	cfg     Config
	started time.Time // the local node's uptime counts from here

	mu     sync.Mutex
	parsed map[string]term.Term // node + expression → erl_parse result
	lacks  map[string]bool      // node + call → the node answered undef/badarg
	exprs  map[Section]string   // the BEAM expression of each set of sections
	agents map[string]agent     // node + expression → its agent (Requester)
}

// New returns an Observer.
func New(cfg Config) *Observer {
	return &Observer{cfg: cfg.withDefaults(), started: time.Now(), parsed: map[string]term.Term{}, lacks: map[string]bool{},
		exprs: map[Section]string{}, agents: map[string]agent{}}
}

// Forget drops what the observer learnt about node (call it on nodeup:
// the node may run other code now).
func (o *Observer) Forget(n term.Atom) {
	prefix := string(n) + "\x00"
	o.mu.Lock()
	defer o.mu.Unlock()
	for k := range o.lacks {
		if strings.HasPrefix(k, prefix) {
			delete(o.lacks, k)
		}
	}
	for k := range o.parsed {
		if strings.HasPrefix(k, prefix) {
			delete(o.parsed, k)
		}
	}
	for k := range o.agents {
		if strings.HasPrefix(k, prefix) {
			delete(o.agents, k) // it ends on its own (nodedown, idle)
		}
	}
}

func (o *Observer) local(n term.Atom) bool {
	return o.cfg.Node != nil && n == o.cfg.Node.Name()
}

// kind is what n is, with what the observer learnt on top of the
// connection's guess (an avmsh node looks like BEAM until its erl_eval
// is missing).
func (o *Observer) kind(n term.Atom) (string, error) {
	if o.local(n) {
		return node.KindAvmsh, nil
	}
	if o.cfg.Conn == nil {
		return "", fmt.Errorf("%s is not connected (the observer has no connection)", n)
	}
	k, ok := o.cfg.Conn.Kind(n)
	if !ok {
		return "", fmt.Errorf("%s is not connected", n)
	}
	if k == node.KindBEAM && o.lacking(n, "erl_eval") {
		k = node.KindAvmsh
	}
	return k, nil
}

// call is one erpc call to node n.
func (o *Observer) call(ctx context.Context, n, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	return o.cfg.Conn.Call(ctx, n, mod, fun, args)
}

// errLacks answers optional calls a node is known not to have.
var errLacks = errors.New("the node does not have this function")

func (o *Observer) lacking(n term.Atom, key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lacks[string(n)+"\x00"+key]
}

func (o *Observer) setLacking(n term.Atom, key string) {
	o.mu.Lock()
	o.lacks[string(n)+"\x00"+key] = true
	o.mu.Unlock()
}

// isUndefOrBadarg reports an error:undef or error:badarg answer.
func isUndefOrBadarg(err error) bool {
	var re *rpc.RemoteError
	return errors.As(err, &re) && (re.Reason == term.Atom("undef") || re.Reason == term.Atom("badarg"))
}

// optional calls a function the node may lack. Once it answered
// error:undef or error:badarg the call is not made again until Forget:
// on an AtomVM board every erpc call costs a process and a crash report
// on the console.
func (o *Observer) optional(ctx context.Context, n, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	key := syntax.Write(term.Tuple{mod, fun, term.List(args)}, syntax.Options{})
	if o.lacking(n, key) {
		return nil, errLacks
	}
	v, err := o.call(ctx, n, mod, fun, args...)
	if isUndefOrBadarg(err) {
		o.setLacking(n, key)
	}
	return v, err
}

// beamEval evaluates a fixed expression on a BEAM node in one round
// trip (after the first, which also parses it there with
// erl_scan/erl_parse). No code is loaded on the node.
func (o *Observer) beamEval(ctx context.Context, n term.Atom, src string, bindings term.List) (term.Term, error) {
	exprs, err := o.parsedExprs(ctx, n, src)
	if err != nil {
		return nil, err
	}
	var bs term.Term = term.Nil
	if len(bindings) > 0 {
		bs = bindings
	}
	v, err := o.call(ctx, n, "erl_eval", "exprs", exprs, bs)
	if err != nil {
		return nil, err
	}
	t, ok := v.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("value") {
		return nil, fmt.Errorf("evaluate the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
	}
	return t[1], nil
}

// parsedExprs is src parsed on node n, remembered until Forget.
func (o *Observer) parsedExprs(ctx context.Context, n term.Atom, src string) (term.Term, error) {
	key := string(n) + "\x00" + src
	o.mu.Lock()
	exprs, ok := o.parsed[key]
	o.mu.Unlock()
	if ok {
		return exprs, nil
	}
	exprs, err := o.parse(ctx, n, src)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.parsed[key] = exprs
	o.mu.Unlock()
	return exprs, nil
}

func (o *Observer) parse(ctx context.Context, n term.Atom, src string) (term.Term, error) {
	v, err := o.call(ctx, n, "erl_scan", "string", term.String(src))
	if isUndefOrBadarg(err) {
		return nil, fmt.Errorf("%w: %w", errNoEval, err)
	}
	if err != nil {
		return nil, err
	}
	t, ok := v.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("ok") {
		return nil, fmt.Errorf("scan the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
	}
	v, err = o.call(ctx, n, "erl_parse", "parse_exprs", t[1])
	if err != nil {
		return nil, err
	}
	pt, ok := v.(term.Tuple)
	if !ok || len(pt) != 2 || pt[0] != term.Atom("ok") {
		return nil, fmt.Errorf("parse the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
	}
	return pt[1], nil
}
