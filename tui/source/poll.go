package source

import (
	"context"
	"errors"
	"fmt"
	"sort"
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

// call is one erpc call to node.
func (l *Live) call(ctx context.Context, n term.Atom, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	return rpc.Call(ctx, l.n, n, mod, fun, args, rpc.Options{})
}

// errLacks answers optional calls a node is known not to have.
var errLacks = errors.New("the node does not have this function")

// optional calls a function the node may lack. Once it answered
// error:undef or error:badarg the call is not made again until the node
// reconnects: on an AtomVM board every erpc call costs a process and a
// crash report on the console.
func (l *Live) optional(ctx context.Context, n term.Atom, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	key := string(n) + " " + syntax.Write(term.Tuple{mod, fun, term.List(args)}, syntax.Options{})
	l.mu.Lock()
	lacks := l.lacks[key]
	l.mu.Unlock()
	if lacks {
		return nil, errLacks
	}
	v, err := l.call(ctx, n, mod, fun, args...)
	var re *rpc.RemoteError
	if errors.As(err, &re) && (re.Reason == term.Atom("undef") || re.Reason == term.Atom("badarg")) {
		l.mu.Lock()
		l.lacks[key] = true
		l.mu.Unlock()
	}
	return v, err
}

// beamEval evaluates a fixed expression on a BEAM node in one round
// trip (after the first, which also parses it there).
func (l *Live) beamEval(ctx context.Context, n term.Atom, src string, bindings term.List) (term.Term, error) {
	key := string(n) + "\x00" + src
	l.mu.Lock()
	exprs, ok := l.parsed[key]
	l.mu.Unlock()
	if !ok {
		v, err := l.call(ctx, n, "erl_scan", "string", term.String(src))
		if err != nil {
			return nil, err
		}
		t, ok := v.(term.Tuple)
		if !ok || len(t) != 3 || t[0] != term.Atom("ok") {
			return nil, fmt.Errorf("scan the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
		}
		v, err = l.call(ctx, n, "erl_parse", "parse_exprs", t[1])
		if err != nil {
			return nil, err
		}
		pt, ok := v.(term.Tuple)
		if !ok || len(pt) != 2 || pt[0] != term.Atom("ok") {
			return nil, fmt.Errorf("parse the poll expression on %s: %s", n, syntax.Write(v, syntax.Options{}))
		}
		exprs = pt[1]
		l.mu.Lock()
		l.parsed[key] = exprs
		l.mu.Unlock()
	}
	var bs term.Term = term.Nil
	if len(bindings) > 0 {
		bs = bindings
	}
	v, err := l.call(ctx, n, "erl_eval", "exprs", exprs, bs)
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
	case term.List, term.Chars:
		n, _ := term.ListLen(v)
		b := make([]rune, 0, n)
		for _, c := range term.ListElems(v) {
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

// Overview polls one node's header.
func (l *Live) Overview(ctx context.Context, n term.Atom) (Overview, error) {
	if n == l.n.Name() {
		r := l.localRow()
		return Overview{Node: n, Kind: "avmsh", Version: "avmsh", ProcCount: r.Procs, Memory: map[string]int64{"total": r.Memory, "processes": r.Memory}, Uptime: r.Uptime}, nil
	}
	p, ok := l.n.Peer(n)
	if !ok {
		return Overview{Node: n}, fmt.Errorf("%s is not connected", n)
	}
	start := time.Now()
	o, err := l.overview(ctx, p, false)
	if o.RTT == 0 {
		o.RTT = time.Since(start)
	}
	return o, err
}

func (l *Live) overview(ctx context.Context, p node.PeerInfo, _ bool) (Overview, error) {
	o := Overview{Node: p.Node, Kind: p.Kind}
	if p.Kind == node.KindBEAM {
		v, err := l.beamEval(ctx, p.Node, beamStats, nil)
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
	if v, err := l.call(ctx, p.Node, "erlang", "system_info", term.Atom("process_count")); err == nil {
		o.ProcCount = intOf(v)
	} else {
		o.Unsupported = append(o.Unsupported, "process_count")
	}
	o.RTT = time.Since(start)
	if v, err := l.optional(ctx, p.Node, "erlang", "memory"); err == nil {
		o.Memory = memoryMap(v)
	} else if v, err := l.optional(ctx, p.Node, "erlang", "system_info", term.Atom("heap_size")); err == nil && term.IsInteger(v) {
		o.Memory = map[string]int64{"total": intOf(v)}
	} else {
		o.Unsupported = append(o.Unsupported, "memory")
	}
	if p.Kind == node.KindAtomVM {
		if v, err := l.optional(ctx, p.Node, "erlang", "system_info", term.Atom("atomvm_version")); err == nil {
			o.Version = "AtomVM " + textOf(v)
		}
		if v, err := l.optional(ctx, p.Node, "esp", "get_free_heap_size"); err == nil {
			if o.Memory == nil {
				o.Memory = map[string]int64{}
			}
			o.Memory["esp_free_heap"] = intOf(v)
		}
	} else if v, err := l.optional(ctx, p.Node, "avmsh", "version"); err == nil {
		o.Version = "avmsh " + textOf(v)
		o.Kind = node.KindAvmsh
	}
	if v, err := l.optional(ctx, p.Node, "erlang", "statistics", term.Atom("wall_clock")); err == nil {
		if wc, ok := v.(term.Tuple); ok && len(wc) == 2 {
			o.Uptime = time.Duration(intOf(wc[0])) * time.Millisecond
		}
	}
	return o, nil
}

var procKeys = term.List{term.Atom("registered_name"), term.Atom("memory"), term.Atom("message_queue_len"),
	term.Atom("reductions"), term.Atom("current_function"), term.Atom("status")}

// procFromInfo reads a process_info(P, procKeys) answer.
func procFromInfo(pid term.Pid, info term.Term) (Proc, bool) {
	l, ok := info.(term.List)
	if !ok {
		return Proc{}, false
	}
	p := Proc{Pid: pid}
	for _, e := range l {
		kv, ok := e.(term.Tuple)
		if !ok || len(kv) != 2 {
			continue
		}
		switch kv[0] {
		case term.Atom("registered_name"):
			if a, ok := kv[1].(term.Atom); ok {
				p.Name = string(a)
			}
		case term.Atom("memory"):
			p.Memory = intOf(kv[1])
		case term.Atom("message_queue_len"):
			p.MsgQ = intOf(kv[1])
		case term.Atom("reductions"):
			p.Reductions = intOf(kv[1])
		case term.Atom("current_function"):
			if mfa, ok := kv[1].(term.Tuple); ok && len(mfa) == 3 {
				p.Current = fmt.Sprintf("%s:%s/%d", textOf(mfa[0]), textOf(mfa[1]), intOf(mfa[2]))
			} else {
				p.Current = textOf(kv[1])
			}
		case term.Atom("status"):
			p.Status = textOf(kv[1])
		}
	}
	return p, true
}

// Processes polls one node's process table.
func (l *Live) Processes(ctx context.Context, n term.Atom) ([]Proc, error) {
	if n == l.n.Name() {
		rt := l.n.Runtime()
		var out []Proc
		for _, pid := range rt.Processes() {
			if info, ok := rt.Info(pid); ok {
				out = append(out, Proc{Pid: pid, Name: string(info.RegisteredName), Memory: int64(info.Memory),
					MsgQ: int64(info.MessageQueueLen), Reductions: int64(info.Reductions), Current: info.CurrentFunction, Status: info.Status})
			}
		}
		return out, nil
	}
	p, ok := l.n.Peer(n)
	if !ok {
		return nil, fmt.Errorf("%s is not connected", n)
	}
	if p.Kind == node.KindBEAM {
		max := term.Tuple{term.Atom("Max"), term.Int(l.cfg.MaxProcs)}
		v, err := l.beamEval(ctx, n, beamProcs, term.List{max})
		if err == nil {
			var out []Proc
			if rows, ok := v.(term.List); ok {
				for _, r := range rows {
					t, ok := r.(term.Tuple)
					if !ok || len(t) != 2 {
						continue
					}
					pid, ok := t[0].(term.Pid)
					if !ok {
						continue
					}
					if pr, ok := procFromInfo(pid, t[1]); ok {
						out = append(out, pr)
					}
				}
			}
			return out, nil
		}
		var re *rpc.RemoteError
		if !errors.As(err, &re) {
			return nil, err
		}
	}
	// AtomVM and avmsh: processes/0, then their process_info (at most
	// 256 pids): on AtomVM in one call, on avmsh one call per pid, 8 in
	// flight.
	v, err := l.call(ctx, n, "erlang", "processes")
	if err != nil {
		return nil, err
	}
	pids, _ := v.(term.List)
	if len(pids) > 256 {
		pids = pids[:256]
	}
	if p.Kind == node.KindAtomVM {
		return l.atomVMProcs(ctx, n, pids)
	}
	out := make([]Proc, len(pids))
	okRow := make([]bool, len(pids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, pt := range pids {
		pid, ok := pt.(term.Pid)
		if !ok {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			info, err := l.call(ctx, n, "erlang", "process_info", pid, procKeys)
			if err == nil {
				out[i], okRow[i] = procFromInfo(pid, info)
			}
		}()
	}
	wg.Wait()
	var rows []Proc
	for i := range out {
		if okRow[i] {
			rows = append(rows, out[i])
		}
	}
	return rows, nil
}

// Process reads one process's details.
func (l *Live) Process(ctx context.Context, pid term.Pid) (ProcDetail, error) {
	var info term.Term
	var err error
	if pid.Node == l.n.Name() {
		reg := l.cfg.Registry
		if reg == nil {
			return ProcDetail{}, errors.New("no local registry")
		}
		f, ok := reg.Lookup("erlang", "process_info", 1)
		if !ok {
			return ProcDetail{}, errors.New("process_info/1 is not registered")
		}
		info, err = f(&rpc.CallContext{Node: l.n, Process: l.watcher}, []term.Term{pid})
	} else if p, ok := l.n.Peer(pid.Node); ok && p.Kind == node.KindAtomVM {
		var infos []term.List
		if infos, err = l.atomVMInfo(ctx, pid.Node, []term.Pid{pid}, atomVMDetailItems); err == nil {
			info = term.Atom("undefined")
			if len(infos[0]) > 0 {
				info = atomVMName(infos[0])
			}
		}
	} else {
		info, err = l.call(ctx, pid.Node, "erlang", "process_info", pid)
	}
	if err != nil {
		return ProcDetail{}, err
	}
	if info == term.Atom("undefined") {
		return ProcDetail{}, fmt.Errorf("%s is not alive", syntax.Write(pid, syntax.Options{}))
	}
	d := ProcDetail{}
	d.Proc, _ = procFromInfo(pid, info)
	if l, ok := info.(term.List); ok {
		d.Info = l
	}
	return d, nil
}

// SortProcs sorts a process table by a column: "memory", "msgq",
// "reductions" (descending) or "name" (ascending, unnamed last).
func SortProcs(ps []Proc, by string) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		switch by {
		case "msgq":
			return a.MsgQ > b.MsgQ
		case "reductions":
			return a.Reductions > b.Reductions
		case "name":
			if (a.Name == "") != (b.Name == "") {
				return a.Name != ""
			}
			return a.Name < b.Name
		}
		return a.Memory > b.Memory
	})
}
