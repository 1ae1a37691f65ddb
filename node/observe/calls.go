package observe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// maxCallProcs caps the process tables read call by call (AtomVM,
// avmsh peers).
const maxCallProcs = 256

// overviewCalls is the header of a node without erl_eval: AtomVM (one
// system_info call) or another avmsh (the BIFs it has, one call each;
// what it lacks is not asked again).
func (o *Observer) overviewCalls(ctx context.Context, n term.Atom, kind string) (Overview, error) {
	if kind == node.KindAtomVM {
		ov, err := o.atomVMOverview(ctx, n)
		ov.Kind = kind
		if err == nil || !(errors.Is(err, errLacks) || isUndefOrBadarg(err)) {
			return ov, err
		}
		// A board without lists:map or a system_info that refuses an
		// item: the calls below.
	}
	ov := Overview{Node: n, Kind: kind, Gauges: map[string]int64{}}
	start := time.Now()
	v, err := o.call(ctx, n, "erlang", "system_info", term.Atom("process_count"))
	ov.RTT = time.Since(start)
	var re *rpc.RemoteError
	switch {
	case err == nil:
		ov.ProcCount = intOf(v)
		ov.Gauges[GaugeProcessCount] = ov.ProcCount
	case errors.As(err, &re):
		ov.Unsupported = append(ov.Unsupported, "process_count")
	default:
		return ov, err
	}
	if v, err := o.optional(ctx, n, "erlang", "memory"); err == nil {
		ov.Memory = memoryMap(v)
		if total, ok := ov.Memory["total"]; ok {
			ov.Gauges[GaugeMemoryTotal] = total
		}
	} else {
		ov.Unsupported = append(ov.Unsupported, "memory")
	}
	if kind == node.KindAtomVM {
		if v, err := o.optional(ctx, n, "erlang", "system_info", term.Atom("atomvm_version")); err == nil {
			ov.Version = "AtomVM " + textOf(v)
		}
		return ov, nil
	}
	if v, err := o.optional(ctx, n, "avmsh", "version"); err == nil {
		ov.Version = "avmsh " + textOf(v)
		ov.Kind = node.KindAvmsh
	}
	if v, err := o.optional(ctx, n, "erlang", "statistics", term.Atom("wall_clock")); err == nil {
		if wc, ok := tuple(v, 2); ok {
			ov.Uptime = time.Duration(intOf(wc[0])) * time.Millisecond
		}
	}
	return ov, nil
}

// procCalls is the process table of a node without erl_eval:
// processes/0, then their process_info (at most 256 pids): on AtomVM in
// one call, on avmsh one call per pid, 8 in flight.
func (o *Observer) procCalls(ctx context.Context, n term.Atom, kind string) (ProcTable, error) {
	t := ProcTable{Node: n}
	v, err := o.call(ctx, n, "erlang", "processes")
	if err != nil {
		return t, err
	}
	pids, _ := v.(term.List)
	if len(pids) > maxCallProcs {
		pids = pids[:maxCallProcs]
	}
	if kind == node.KindAtomVM {
		t.Procs, err = o.atomVMProcs(ctx, n, pids)
		t.At = time.Now()
		return t, err
	}
	t.Fields = FieldReductions | FieldCurrent | FieldStatus
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
			info, err := o.call(ctx, n, "erlang", "process_info", pid, procKeys)
			if err == nil {
				out[i], okRow[i] = procFromInfo(pid, info)
			}
		}()
	}
	wg.Wait()
	t.At = time.Now()
	for i := range out {
		if okRow[i] {
			t.Procs = append(t.Procs, out[i])
		}
	}
	return t, nil
}

// Process reads one process's details: process_info/1 on BEAM and avmsh
// nodes, the items AtomVM answers on boards (one call).
func (o *Observer) Process(ctx context.Context, pid term.Pid) (ProcDetail, error) {
	var info term.Term
	var err error
	kind, _ := o.kind(pid.Node)
	switch {
	case o.local(pid.Node):
		info, err = o.localProcessInfo(pid)
	case kind == node.KindAtomVM:
		var infos []term.List
		if infos, err = o.atomVMInfo(ctx, pid.Node, []term.Pid{pid}, atomVMDetailItems); err == nil {
			info = term.Atom("undefined")
			if len(infos[0]) > 0 {
				info = atomVMName(infos[0])
			}
		}
	case o.cfg.Conn == nil:
		err = fmt.Errorf("%s is not connected", pid.Node)
	default:
		info, err = o.call(ctx, pid.Node, "erlang", "process_info", pid)
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

func (o *Observer) localProcessInfo(pid term.Pid) (term.Term, error) {
	reg := o.cfg.Registry
	if reg == nil {
		return nil, errors.New("no local registry")
	}
	f, ok := reg.Lookup("erlang", "process_info", 1)
	if !ok {
		return nil, errors.New("process_info/1 is not registered")
	}
	return f(&rpc.CallContext{Node: o.cfg.Node, Process: o.cfg.Process}, []term.Term{pid})
}

// pollLocal reads the local node from its runtime.
func (o *Observer) pollLocal(secs Section) Snapshot {
	n := o.cfg.Node
	s := Snapshot{Node: n.Name(), Kind: node.KindAvmsh, At: time.Now()}
	rt := n.Runtime()
	var procs []Proc
	var mem int64
	for _, pid := range rt.Processes() {
		if info, ok := rt.Info(pid); ok {
			procs = append(procs, Proc{Pid: pid, Name: string(info.RegisteredName), Memory: int64(info.Memory),
				MsgQ: int64(info.MessageQueueLen), Reductions: int64(info.Reductions), Current: info.CurrentFunction, Status: info.Status})
			mem += int64(info.Memory)
		}
	}
	if secs&SecOverview != 0 {
		s.Overview = &Overview{Node: s.Node, Kind: node.KindAvmsh, Version: "avmsh", ProcCount: int64(len(procs)),
			Memory: map[string]int64{"total": mem, "processes": mem}, Uptime: time.Since(o.started),
			Gauges: map[string]int64{GaugeProcessCount: int64(len(procs)), GaugeMemoryTotal: mem}}
	}
	if secs&SecProcs != 0 {
		s.Procs = &ProcTable{Node: s.Node, At: s.At, Fields: FieldReductions | FieldCurrent | FieldStatus, Procs: procs}
	}
	if secs&SecModules != 0 && o.cfg.Registry != nil {
		var mods []Module
		for _, m := range o.cfg.Registry.Modules() {
			mods = append(mods, Module{Name: string(m), File: "(Go, built in)"})
		}
		s.Modules = o.boundModules(mods, len(mods))
	} else if secs&SecModules != 0 {
		s.Unsupported = append(s.Unsupported, SecModules.String())
	}
	for _, sec := range []Section{SecETS, SecPorts, SecDist, SecSched, SecApps} {
		if secs&sec != 0 {
			s.Unsupported = append(s.Unsupported, sec.String())
		}
	}
	return s
}

// moduleCalls is the module list of a node without erl_eval: AtomVM
// (0.7 and later) answers code:all_loaded/0 with [{Module, undefined}];
// a node without it answers undef, and is not asked again.
func (o *Observer) moduleCalls(ctx context.Context, n term.Atom) (ModuleList, error) {
	v, err := o.optional(ctx, n, "code", "all_loaded")
	if err != nil {
		return ModuleList{}, err
	}
	mods := modulesOf(v)
	return *o.boundModules(mods, len(mods)), nil
}

// boundModules sorts mods by name and keeps the first MaxModules.
func (o *Observer) boundModules(mods []Module, total int) *ModuleList {
	slices.SortFunc(mods, func(a, b Module) int { return strings.Compare(a.Name, b.Name) })
	if len(mods) > o.cfg.MaxModules {
		mods = mods[:o.cfg.MaxModules]
	}
	return &ModuleList{Modules: mods, Total: max(total, len(mods))}
}

// beamSystemInfo reads erlang:system_info/1 items, each caught: an item
// the node lacks answers {'EXIT', badarg}.
const beamSystemInfo = `[catch erlang:system_info(I) || I <- Items].`

// SystemInfo reads erlang:system_info/1 items of node n in one request
// (BEAM: one erl_eval; AtomVM: one lists:map call; another avmsh: one
// call per item). Items the node does not have (badarg on BEAM,
// undefined on AtomVM) are left out of the map: absent, never 0.
func (o *Observer) SystemInfo(ctx context.Context, n term.Atom, items []term.Atom) (map[term.Atom]term.Term, error) {
	kind, err := o.kind(n)
	if err != nil {
		return nil, err
	}
	if o.local(n) {
		return nil, fmt.Errorf("system_info items of the local node %s are not served", n)
	}
	l := make(term.List, len(items))
	for i, it := range items {
		l[i] = it
	}
	out := map[term.Atom]term.Term{}
	switch kind {
	case node.KindAtomVM:
		return o.atomVMSystemInfo(ctx, n, items)
	case node.KindBEAM:
		v, err := o.beamEval(ctx, n, beamSystemInfo, term.List{term.Tuple{term.Atom("Items"), l}})
		if err == nil {
			// All integers (process_count, schedulers_online...) is a
			// string to OTP's encoder: a term.Chars here.
			got, _ := term.AsList(v)
			if len(got) != len(items) {
				return nil, fmt.Errorf("system_info on %s: %d answers for %d items", n, len(got), len(items))
			}
			for i, g := range got {
				if ex, ok := tuple(g, 2); (ok && ex[0] == term.Atom("EXIT")) || g == term.Atom("undefined") {
					continue
				}
				out[items[i]] = g
			}
			return out, nil
		}
		if !errors.Is(err, errNoEval) {
			return nil, err
		}
		o.setLacking(n, "erl_eval")
	}
	for _, it := range items {
		v, err := o.optional(ctx, n, "erlang", "system_info", it)
		switch {
		case err == nil && v != term.Atom("undefined"):
			out[it] = v
		case err != nil && !errors.Is(err, errLacks) && !isUndefOrBadarg(err):
			return out, err
		}
	}
	return out, nil
}
