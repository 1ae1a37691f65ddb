package source

import (
	"context"
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// What AtomVM (0.8) answers about another process: one item per
// erlang:process_info/2 call (a list of items is badarg), and only the
// items below. Asking it for any other item of another process leaves the
// asking process waiting for ever (the request signal is never answered),
// so nothing else is ever asked. The items of many processes are read in
// ONE erpc call, lists:zipwith(fun erlang:process_info/2, Pids, Items):
// each erpc call costs the board a process (and a crash report on its
// console, since erpc returns through an exit).
var (
	atomVMTableItems  = term.List{term.Atom("registered_name"), term.Atom("memory"), term.Atom("message_queue_len")}
	atomVMDetailItems = term.List{term.Atom("registered_name"), term.Atom("memory"), term.Atom("message_queue_len"),
		term.Atom("heap_size"), term.Atom("total_heap_size"), term.Atom("stack_size"),
		term.Atom("links"), term.Atom("monitored_by"), term.Atom("current_stacktrace")}
)

// atomVMInfo reads items of each pid on the AtomVM node n in one call. It
// returns, per pid, the {Item, Value} pairs the node gave (none for a
// process that is gone).
func (c *caller) atomVMInfo(ctx context.Context, n term.Atom, pids []term.Pid, items term.List) ([]term.List, error) {
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
	v, err := c.call(ctx, n, "lists", "zipwith", f, ps, is)
	if err != nil {
		return nil, err
	}
	got, ok := v.(term.List)
	if !ok || len(got) != len(ps) {
		return nil, fmt.Errorf("process_info on %s: %d answers for %d items", n, len(got), len(ps))
	}
	out := make([]term.List, len(pids))
	for i, r := range got {
		if kv, ok := r.(term.Tuple); ok && len(kv) == 2 {
			out[i/len(items)] = append(out[i/len(items)], kv)
		}
	}
	return out, nil
}

// atomVMName normalises registered_name: AtomVM may answer [] (like OTP)
// for a process without a name.
func atomVMName(info term.List) term.List {
	for i, e := range info {
		if kv, ok := e.(term.Tuple); ok && kv[0] == term.Atom("registered_name") {
			if _, isAtom := kv[1].(term.Atom); !isAtom {
				info = append(info[:i:i], info[i+1:]...)
			}
			break
		}
	}
	return info
}

// atomVMProcs is the process table of an AtomVM node.
func (c *caller) atomVMProcs(ctx context.Context, n term.Atom, list term.List) ([]Proc, error) {
	pids := make([]term.Pid, 0, len(list))
	for _, t := range list {
		if p, ok := t.(term.Pid); ok {
			pids = append(pids, p)
		}
	}
	infos, err := c.atomVMInfo(ctx, n, pids, atomVMTableItems)
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
