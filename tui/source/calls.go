package source

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// The expressions polled on BEAM nodes, each one round trip: parsed
// once per node with erl_scan/erl_parse on the node, then evaluated
// with erl_eval:exprs/2 at every refresh. No code is loaded there.
const (
	beamStats = `{erlang:memory(), erlang:system_info(process_count), erlang:system_info(process_limit),
 erlang:system_info(atom_count), erlang:system_info(atom_limit), erlang:system_info(port_count),
 erlang:system_info(port_limit), erlang:system_info(schedulers_online), erlang:statistics(run_queue),
 erlang:statistics(wall_clock), erlang:system_info(otp_release)}.`
	beamProcs = `[{P, erlang:process_info(P, [registered_name, memory, message_queue_len, reductions, current_function, status])}
 || P <- lists:sublist(erlang:processes(), Max)].`
)

// caller makes the dashboard's calls to other nodes, remembering per
// node the parsed poll expressions and the optional functions it lacks.
type caller struct {
	env *env

	mu     sync.Mutex
	parsed map[string]term.Term // node + expression → erl_parse result
	lacks  map[string]bool      // node + call → the node answered undef/badarg (optional)
}

func newCaller(e *env) *caller {
	return &caller{env: e, parsed: map[string]term.Term{}, lacks: map[string]bool{}}
}

// forget drops what is known of node's functions (it may run other
// code after a reconnection).
func (c *caller) forget(n term.Atom) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.lacks {
		if strings.HasPrefix(k, string(n)+" ") {
			delete(c.lacks, k)
		}
	}
}

// call is one erpc call to node.
func (c *caller) call(ctx context.Context, n term.Atom, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	return rpc.Call(ctx, c.env.n, n, mod, fun, args, rpc.Options{})
}

// errLacks answers optional calls a node is known not to have.
var errLacks = errors.New("the node does not have this function")

// optional calls a function the node may lack. Once it answered
// error:undef or error:badarg the call is not made again until the node
// reconnects: on an AtomVM board every erpc call costs a process and a
// crash report on the console.
func (c *caller) optional(ctx context.Context, n term.Atom, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	key := string(n) + " " + syntax.Write(term.Tuple{mod, fun, term.List(args)}, syntax.Options{})
	c.mu.Lock()
	lacks := c.lacks[key]
	c.mu.Unlock()
	if lacks {
		return nil, errLacks
	}
	v, err := c.call(ctx, n, mod, fun, args...)
	var re *rpc.RemoteError
	if errors.As(err, &re) && (re.Reason == term.Atom("undef") || re.Reason == term.Atom("badarg")) {
		c.mu.Lock()
		c.lacks[key] = true
		c.mu.Unlock()
	}
	return v, err
}

// beamEval evaluates a fixed expression on a BEAM node in one round
// trip (after the first, which also parses it there).
func (c *caller) beamEval(ctx context.Context, n term.Atom, src string, bindings term.List) (term.Term, error) {
	key := string(n) + "\x00" + src
	c.mu.Lock()
	exprs, ok := c.parsed[key]
	c.mu.Unlock()
	if !ok {
		v, err := c.call(ctx, n, "erl_scan", "string", term.String(src))
		if err != nil {
			return nil, err
		}
		t, ok := v.(term.Tuple)
		if !ok || len(t) != 3 || t[0] != term.Atom("ok") {
			return nil, fmt.Errorf("scan the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
		}
		v, err = c.call(ctx, n, "erl_parse", "parse_exprs", t[1])
		if err != nil {
			return nil, err
		}
		pt, ok := v.(term.Tuple)
		if !ok || len(pt) != 2 || pt[0] != term.Atom("ok") {
			return nil, fmt.Errorf("parse the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
		}
		exprs = pt[1]
		c.mu.Lock()
		c.parsed[key] = exprs
		c.mu.Unlock()
	}
	var bs term.Term = term.Nil
	if len(bindings) > 0 {
		bs = bindings
	}
	v, err := c.call(ctx, n, "erl_eval", "exprs", exprs, bs)
	if err != nil {
		return nil, err
	}
	t, ok := v.(term.Tuple)
	if !ok || len(t) != 3 || t[0] != term.Atom("value") {
		return nil, fmt.Errorf("evaluate the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
	}
	return t[1], nil
}

func intOf(t term.Term) int64 {
	if i, ok := t.(term.Int); ok {
		return int64(i)
	}
	return 0
}

func textOf(t term.Term) string {
	switch v := t.(type) {
	case term.List:
		b := make([]rune, 0, len(v))
		for _, c := range v {
			b = append(b, rune(intOf(c)))
		}
		return string(b)
	case term.Binary:
		return string(v)
	case term.Atom:
		return string(v)
	}
	return syntax.Write(t, syntax.Options{})
}

func memoryMap(t term.Term) map[string]int64 {
	m := map[string]int64{}
	if l, ok := t.(term.List); ok {
		for _, e := range l {
			if kv, ok := e.(term.Tuple); ok && len(kv) == 2 {
				if k, ok := kv[0].(term.Atom); ok {
					m[string(k)] = intOf(kv[1])
				}
			}
		}
	}
	return m
}

func (c *caller) overview(ctx context.Context, p node.PeerInfo) (Overview, error) {
	o := Overview{Node: p.Node, Kind: p.Kind}
	if p.Kind == node.KindBEAM {
		v, err := c.beamEval(ctx, p.Node, beamStats, nil)
		if err == nil {
			t, ok := v.(term.Tuple)
			if !ok || len(t) != 11 {
				return o, fmt.Errorf("unexpected stats from %s", p.Node)
			}
			o.Memory = memoryMap(t[0])
			o.ProcCount, o.ProcLimit = intOf(t[1]), intOf(t[2])
			o.AtomCount, o.AtomLimit = intOf(t[3]), intOf(t[4])
			o.PortCount, o.PortLimit = intOf(t[5]), intOf(t[6])
			o.Schedulers, o.RunQueue = intOf(t[7]), intOf(t[8])
			if wc, ok := t[9].(term.Tuple); ok && len(wc) == 2 {
				o.Uptime = time.Duration(intOf(wc[0])) * time.Millisecond
			}
			o.Version = "OTP " + textOf(t[10])
			return o, nil
		}
		var re *rpc.RemoteError
		if !errors.As(err, &re) {
			return o, err
		}
		// erl_eval missing: another avmsh that looks like BEAM.
		o.Kind = node.KindAvmsh
	}
	// AtomVM and avmsh: the BIFs they have, one call each; what a node
	// lacks is not asked again (optional). The first call's time is the
	// round trip.
	start := time.Now()
	if v, err := c.call(ctx, p.Node, "erlang", "system_info", term.Atom("process_count")); err == nil {
		o.ProcCount = intOf(v)
	} else {
		o.Unsupported = append(o.Unsupported, "process_count")
	}
	o.RTT = time.Since(start)
	if v, err := c.optional(ctx, p.Node, "erlang", "memory"); err == nil {
		o.Memory = memoryMap(v)
	} else if v, err := c.optional(ctx, p.Node, "erlang", "system_info", term.Atom("heap_size")); err == nil && term.IsInteger(v) {
		o.Memory = map[string]int64{"total": intOf(v)}
	} else {
		o.Unsupported = append(o.Unsupported, "memory")
	}
	if p.Kind == node.KindAtomVM {
		if v, err := c.optional(ctx, p.Node, "erlang", "system_info", term.Atom("atomvm_version")); err == nil {
			o.Version = "AtomVM " + textOf(v)
		}
		if v, err := c.optional(ctx, p.Node, "esp", "get_free_heap_size"); err == nil {
			if o.Memory == nil {
				o.Memory = map[string]int64{}
			}
			o.Memory["esp_free_heap"] = intOf(v)
		}
	} else if v, err := c.optional(ctx, p.Node, "avmsh", "version"); err == nil {
		o.Version = "avmsh " + textOf(v)
		o.Kind = node.KindAvmsh
	}
	if v, err := c.optional(ctx, p.Node, "erlang", "statistics", term.Atom("wall_clock")); err == nil {
		if wc, ok := v.(term.Tuple); ok && len(wc) == 2 {
			o.Uptime = time.Duration(intOf(wc[0])) * time.Millisecond
		}
	}
	return o, nil
}
