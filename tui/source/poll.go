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

// inspector implements Inspector: a node's overview and processes.
type inspector struct {
	env *env
	c   *caller
}

// Overview polls one node's header.
func (in *inspector) Overview(ctx context.Context, n term.Atom) (Overview, error) {
	if n == in.env.n.Name() {
		r := in.env.localRow()
		return Overview{Node: n, Kind: "avmsh", Version: "avmsh", ProcCount: r.Procs, Memory: map[string]int64{"total": r.Memory, "processes": r.Memory}, Uptime: r.Uptime}, nil
	}
	p, ok := in.env.n.Peer(n)
	if !ok {
		return Overview{Node: n}, fmt.Errorf("%s is not connected", n)
	}
	start := time.Now()
	o, err := in.c.overview(ctx, p)
	if o.RTT == 0 {
		o.RTT = time.Since(start)
	}
	return o, err
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
func (in *inspector) Processes(ctx context.Context, n term.Atom) ([]Proc, error) {
	if n == in.env.n.Name() {
		rt := in.env.n.Runtime()
		var out []Proc
		for _, pid := range rt.Processes() {
			if info, ok := rt.Info(pid); ok {
				out = append(out, Proc{Pid: pid, Name: string(info.RegisteredName), Memory: int64(info.Memory),
					MsgQ: int64(info.MessageQueueLen), Reductions: int64(info.Reductions), Current: info.CurrentFunction, Status: info.Status})
			}
		}
		return out, nil
	}
	p, ok := in.env.n.Peer(n)
	if !ok {
		return nil, fmt.Errorf("%s is not connected", n)
	}
	if p.Kind == node.KindBEAM {
		max := term.Tuple{term.Atom("Max"), term.Int(in.env.maxProcs)}
		v, err := in.c.beamEval(ctx, n, beamProcs, term.List{max})
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
	v, err := in.c.call(ctx, n, "erlang", "processes")
	if err != nil {
		return nil, err
	}
	pids, _ := v.(term.List)
	if len(pids) > 256 {
		pids = pids[:256]
	}
	if p.Kind == node.KindAtomVM {
		return in.c.atomVMProcs(ctx, n, pids)
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
			info, err := in.c.call(ctx, n, "erlang", "process_info", pid, procKeys)
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
func (in *inspector) Process(ctx context.Context, pid term.Pid) (ProcDetail, error) {
	var info term.Term
	var err error
	if pid.Node == in.env.n.Name() {
		reg := in.env.local.Registry()
		if reg == nil {
			return ProcDetail{}, errors.New("no local registry")
		}
		f, ok := reg.Lookup("erlang", "process_info", 1)
		if !ok {
			return ProcDetail{}, errors.New("process_info/1 is not registered")
		}
		info, err = f(&rpc.CallContext{Node: in.env.n, Process: in.env.watcher}, []term.Term{pid})
	} else if p, ok := in.env.n.Peer(pid.Node); ok && p.Kind == node.KindAtomVM {
		var infos []term.List
		if infos, err = in.c.atomVMInfo(ctx, pid.Node, []term.Pid{pid}, atomVMDetailItems); err == nil {
			info = term.Atom("undefined")
			if len(infos[0]) > 0 {
				info = atomVMName(infos[0])
			}
		}
	} else {
		info, err = in.c.call(ctx, pid.Node, "erlang", "process_info", pid)
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
