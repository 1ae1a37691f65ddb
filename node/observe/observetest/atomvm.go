package observetest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Proc is one process of the fake board.
type Proc struct {
	Name   term.Atom // "" when unregistered
	Memory int64
	MsgQ   int64
}

// AtomVM is a fake AtomVM node reached through observe.Conn. Set its
// fields before use or with Set; it is safe for concurrent use.
type AtomVM struct {
	// Name is the node's name.
	Name term.Atom

	mu         sync.Mutex
	procs      map[term.Pid]Proc
	info       map[term.Atom]term.Term
	modules    []term.Atom
	calls      []string
	violations []string
}

// itemsAtomVMAnswers are the process_info/2 items AtomVM 0.8 has
// (src/libAtomVM/context.c, context_get_process_info).
var itemsAtomVMAnswers = []term.Atom{"heap_size", "total_heap_size", "stack_size", "message_queue_len",
	"registered_name", "memory", "links", "monitored_by", "current_stacktrace"}

// NewAtomVM returns a fake board named name with the system_info items
// every AtomVM platform has; SetInfo adds the ESP32 ones.
func NewAtomVM(name term.Atom) *AtomVM {
	return &AtomVM{Name: name, procs: map[term.Pid]Proc{}, info: map[term.Atom]term.Term{
		"atomvm_version": term.Binary("0.8.0-fake"), "port_count": term.Int(1), "atom_count": term.Int(400),
		"schedulers_online": term.Int(1),
	}}
}

// Pid is the fake board's pid number id.
func (a *AtomVM) Pid(id uint32) term.Pid { return term.NewPid(a.Name, id, 0, 1) }

// SetProc adds or updates a process; RemoveProc ends it.
func (a *AtomVM) SetProc(id uint32, p Proc) {
	a.mu.Lock()
	a.procs[a.Pid(id)] = p
	a.mu.Unlock()
}

// RemoveProc ends a process.
func (a *AtomVM) RemoveProc(id uint32) {
	a.mu.Lock()
	delete(a.procs, a.Pid(id))
	a.mu.Unlock()
}

// SetInfo sets an erlang:system_info/1 item (nil removes it: the board
// then answers undefined).
func (a *AtomVM) SetInfo(item term.Atom, v term.Term) {
	a.mu.Lock()
	if v == nil {
		delete(a.info, item)
	} else {
		a.info[item] = v
	}
	a.mu.Unlock()
}

// SetModules sets the modules code:all_loaded/0 lists (AtomVM 0.7 and
// later); until it is called the board answers undef, as older ones do.
func (a *AtomVM) SetModules(mods ...term.Atom) {
	a.mu.Lock()
	a.modules = slices.Clone(mods)
	if a.modules == nil {
		a.modules = []term.Atom{}
	}
	a.mu.Unlock()
}

// Calls lists the calls made so far ("lists:zipwith/3", ...).
func (a *AtomVM) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.calls)
}

// Violations lists the calls a real board would have refused, hung on
// or aborted on. A correct client leaves it empty.
func (a *AtomVM) Violations() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.violations)
}

// Kind implements observe.Conn.
func (a *AtomVM) Kind(n term.Atom) (string, bool) {
	return node.KindAtomVM, n == a.Name
}

// Call implements observe.Conn.
func (a *AtomVM) Call(ctx context.Context, n, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mfa := rpc.MFA{Module: mod, Function: fun, Arity: len(args)}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, fmt.Sprintf("%s:%s/%d", mod, fun, len(args)))
	if n != a.Name {
		return nil, &rpc.NoConnectionError{Call: mfa, Cause: fmt.Errorf("%s is not connected", n)}
	}
	undef := &rpc.RemoteError{Call: mfa, Reason: term.Atom("undef")}
	switch {
	case mod == "erlang" && fun == "processes" && len(args) == 0:
		pids := make([]term.Pid, 0, len(a.procs))
		for p := range a.procs {
			pids = append(pids, p)
		}
		slices.SortFunc(pids, func(x, y term.Pid) int { return term.Compare(x, y) })
		out := make(term.List, len(pids))
		for i, p := range pids {
			out[i] = p
		}
		return out, nil
	case mod == "erlang" && fun == "system_info" && len(args) == 1:
		return a.systemInfo(args[0]), nil
	case mod == "lists" && fun == "map" && len(args) == 2:
		if args[0] != (term.ExportFun{Module: "erlang", Function: "system_info", Arity: 1}) {
			return nil, a.violation("lists:map with " + write(args[0]))
		}
		items, _ := args[1].(term.List) // atoms (observe builds them, in process)
		out := make(term.List, len(items))
		for i, it := range items {
			out[i] = a.systemInfo(it)
		}
		return out, nil
	case mod == "lists" && fun == "zipwith" && len(args) == 3:
		return a.zipwith(args)
	case mod == "code" && fun == "all_loaded" && len(args) == 0 && a.modules != nil:
		out := make(term.List, len(a.modules))
		for i, m := range a.modules {
			out[i] = term.Tuple{m, term.Atom("undefined")}
		}
		return out, nil
	}
	// erlang:memory/0, statistics, ets, erl_eval...: not on AtomVM.
	return nil, undef
}

func (a *AtomVM) systemInfo(item term.Term) term.Term {
	key, _ := item.(term.Atom)
	if v, ok := a.info[key]; ok {
		return v
	}
	if item == term.Atom("process_count") {
		return term.Int(len(a.procs))
	}
	return term.Atom("undefined") // sys_get_info's fall-through
}

func (a *AtomVM) zipwith(args []term.Term) (term.Term, error) {
	if args[0] != (term.ExportFun{Module: "erlang", Function: "process_info", Arity: 2}) {
		return nil, a.violation("lists:zipwith with " + write(args[0]))
	}
	ps, _ := args[1].(term.List) // pids and atoms (observe builds them, in process)
	is, _ := args[2].(term.List)
	if len(ps) != len(is) {
		return nil, a.violation("lists:zipwith with lists of different lengths")
	}
	out := make(term.List, len(ps))
	for i := range ps {
		pid, _ := ps[i].(term.Pid)
		item, _ := is[i].(term.Atom)
		if !slices.Contains(itemsAtomVMAnswers, item) {
			return nil, a.violation("process_info item " + string(item) + " (hangs the caller on AtomVM)")
		}
		p, alive := a.procs[pid]
		if !alive {
			out[i] = term.Atom("undefined")
			continue
		}
		var v term.Term = term.Nil
		switch item {
		case "registered_name":
			if p.Name == "" {
				out[i] = term.Nil // AtomVM answers [] itself, not {registered_name, []}
				continue
			}
			v = p.Name
		case "memory":
			v = term.Int(p.Memory)
		case "message_queue_len":
			v = term.Int(p.MsgQ)
		case "heap_size", "total_heap_size", "stack_size":
			v = term.Int(p.Memory / 8)
		}
		out[i] = term.Tuple{item, v}
	}
	return out, nil
}

func (a *AtomVM) violation(s string) error {
	a.violations = append(a.violations, s)
	return fmt.Errorf("fake AtomVM %s: a real board would not answer: %s", a.Name, s)
}

func write(t term.Term) string { return syntax.Write(t, syntax.Options{}) }
