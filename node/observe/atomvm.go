package observe

import (
	"context"
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// What AtomVM (0.8) answers about another process: one item per
// erlang:process_info/2 call (a list of items is badarg), and only the
// items below (no reductions, no current_function, no status). Asking it
// for any other item of another process leaves the asking process
// waiting for ever (the request signal is never answered), so nothing
// else is ever asked. The items of many processes are read in ONE erpc
// call, lists:zipwith(fun erlang:process_info/2, Pids, Items): each erpc
// call costs the board a process (and a crash report on its console,
// since erpc returns through an exit).
var (
	atomVMTableItems  = term.List{term.Atom("registered_name"), term.Atom("memory"), term.Atom("message_queue_len")}
	atomVMDetailItems = term.List{term.Atom("registered_name"), term.Atom("memory"), term.Atom("message_queue_len"),
		term.Atom("heap_size"), term.Atom("total_heap_size"), term.Atom("stack_size"),
		term.Atom("links"), term.Atom("monitored_by"), term.Atom("current_stacktrace")}
)

// atomVMSystemInfo are the erlang:system_info/1 items of the overview,
// read in ONE call, lists:map(fun erlang:system_info/1, Items). AtomVM
// answers undefined for an item its platform does not have (the
// platform's sys_get_info falls through to undefined: src/platforms/*/
// sys.c at AtomVM 7b28215), so the esp32_* items are safe on every
// board and absent off ESP32.
var atomVMSystemInfo = []term.Atom{"process_count", "port_count", "atom_count", "schedulers_online",
	"atomvm_version", GaugeESP32FreeHeap, GaugeESP32MinFree, GaugeESP32Largest}

// atomVMSystemInfo reads erlang:system_info/1 items of an AtomVM node in one
// call. Items the node does not have (undefined) are left out: absent,
// not zero.
func (o *Observer) atomVMSystemInfo(ctx context.Context, n term.Atom, items []term.Atom) (map[term.Atom]term.Term, error) {
	l := make(term.List, len(items))
	for i, it := range items {
		l[i] = it
	}
	f := term.ExportFun{Module: "erlang", Function: "system_info", Arity: 1}
	v, err := o.optional(ctx, n, "lists", "map", f, l)
	if err != nil {
		return nil, err
	}
	got, ok := term.AsList(v) // a term.Chars when every answer is an integer
	if !ok || len(got) != len(items) {
		return nil, fmt.Errorf("system_info on %s: %d answers for %d items", n, len(got), len(items))
	}
	out := make(map[term.Atom]term.Term, len(items))
	for i, g := range got {
		if g != term.Atom("undefined") {
			out[items[i]] = g
		}
	}
	return out, nil
}

// atomVMOverview is an AtomVM node's header, from one system_info call.
func (o *Observer) atomVMOverview(ctx context.Context, n term.Atom) (Overview, error) {
	ov := Overview{Node: n, Gauges: map[string]int64{}}
	info, err := o.atomVMSystemInfo(ctx, n, atomVMSystemInfo)
	if err != nil {
		return ov, err
	}
	num := func(item term.Atom) (int64, bool) {
		v, ok := info[item]
		if !ok || !isInt(v) {
			if !ok {
				ov.Unsupported = append(ov.Unsupported, string(item))
			}
			return 0, false
		}
		return intOf(v), true
	}
	ov.ProcCount, _ = num("process_count")
	ov.PortCount, _ = num("port_count")
	ov.AtomCount, _ = num("atom_count")
	ov.Schedulers, _ = num("schedulers_online")
	if v, ok := info["atomvm_version"]; ok {
		ov.Version = "AtomVM " + textOf(v)
	}
	if _, ok := info["process_count"]; ok {
		ov.Gauges[GaugeProcessCount] = ov.ProcCount
	}
	for _, g := range []term.Atom{GaugeESP32FreeHeap, GaugeESP32MinFree, GaugeESP32Largest} {
		if v, ok := num(g); ok {
			ov.Gauges[string(g)] = v
		}
	}
	if free, ok := ov.Gauges[GaugeESP32FreeHeap]; ok {
		ov.Memory = map[string]int64{"esp_free_heap": free}
	} else {
		ov.Unsupported = append(ov.Unsupported, "memory")
	}
	return ov, nil
}

// atomVMInfo reads items of each pid on the AtomVM node n in one call. It
// returns, per pid, the {Item, Value} pairs the node gave (none for a
// process that is gone).
func (o *Observer) atomVMInfo(ctx context.Context, n term.Atom, pids []term.Pid, items term.List) ([]term.List, error) {
	if len(pids) == 0 {
		return nil, nil
	}
	ps := make(term.List, 0, len(pids)*len(items))
	is := make(term.List, 0, len(pids)*len(items))
	for _, p := range pids {
		for _, it := range items {
			ps = append(ps, p)
			is = append(is, it)
		}
	}
	f := term.ExportFun{Module: "erlang", Function: "process_info", Arity: 2}
	v, err := o.call(ctx, n, "lists", "zipwith", f, ps, is)
	if err != nil {
		return nil, err
	}
	got, ok := v.(term.List)
	if !ok || len(got) != len(ps) {
		return nil, fmt.Errorf("process_info on %s: %d answers for %d items", n, len(got), len(ps))
	}
	out := make([]term.List, len(pids))
	for i, r := range got {
		if kv, ok := tuple(r, 2); ok {
			out[i/len(items)] = append(out[i/len(items)], kv)
		}
	}
	return out, nil
}

// atomVMName normalises registered_name: AtomVM may answer [] (like OTP)
// for a process without a name.
func atomVMName(info term.List) term.List {
	for i, e := range info {
		if kv, ok := tuple(e, 2); ok && kv[0] == term.Atom("registered_name") {
			if _, isAtom := kv[1].(term.Atom); !isAtom {
				info = append(info[:i:i], info[i+1:]...)
			}
			break
		}
	}
	return info
}

// atomVMProcs is the process table of an AtomVM node: its pids, then
// their items in one call.
func (o *Observer) atomVMProcs(ctx context.Context, n term.Atom, list term.List) ([]Proc, error) {
	pids := make([]term.Pid, 0, len(list))
	for _, t := range list {
		if p, ok := t.(term.Pid); ok {
			pids = append(pids, p)
		}
	}
	infos, err := o.atomVMInfo(ctx, n, pids, atomVMTableItems)
	if err != nil {
		return nil, err
	}
	var rows []Proc
	for i, info := range infos {
		if len(info) == 0 {
			continue // gone
		}
		if pr, ok := procFromInfo(pids[i], atomVMName(info)); ok {
			rows = append(rows, pr)
		}
	}
	return rows, nil
}
