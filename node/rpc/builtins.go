package rpc

import (
	"runtime"
	"strings"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Machine is what avmsh answers to erlang:system_info(machine), so that
// peers (and other avmsh nodes) can tell it from "BEAM" and "ATOM".
const Machine = "AVMSH"

// RegisterBuiltins registers the erlang functions dashboards and tools
// call on a node (node/0, nodes/0,1, processes/0, process_info/1,2,
// system_info/1, memory/0, statistics/1, whereis/1, registered/0,
// is_process_alive/1) and the avmsh module (version/0, nodes/0).
func RegisterBuiltins(reg *Registry, version string) {
	registerDataBuiltins(reg)
	reg.Register("erlang", "node", 0, func(c *CallContext, _ []term.Term) (term.Term, error) { return c.Node.Name(), nil })
	reg.Register("erlang", "nodes", 0, func(c *CallContext, _ []term.Term) (term.Term, error) {
		return nodesOf(c.Node, "visible"), nil
	})
	reg.Register("erlang", "nodes", 1, func(c *CallContext, a []term.Term) (term.Term, error) {
		kinds := []term.Term{a[0]}
		if l, ok := term.AsList(a[0]); ok {
			kinds = l
		}
		var out term.List
		for _, k := range kinds {
			switch k {
			case term.Atom("this"):
				out = append(out, c.Node.Name())
			case term.Atom("visible"), term.Atom("hidden"):
				out = append(out, nodesOf(c.Node, string(k.(term.Atom)))...)
			case term.Atom("connected"), term.Atom("known"):
				out = append(out, nodesOf(c.Node, "visible")...)
				out = append(out, nodesOf(c.Node, "hidden")...)
			default:
				return nil, Badarg()
			}
		}
		if out == nil {
			return term.Nil, nil
		}
		return out, nil
	})
	reg.Register("erlang", "processes", 0, func(c *CallContext, _ []term.Term) (term.Term, error) {
		pids := c.Node.Runtime().Processes()
		out := make(term.List, len(pids))
		for i, p := range pids {
			out[i] = p
		}
		return sortedList(out), nil
	})
	reg.Register("erlang", "registered", 0, func(c *CallContext, _ []term.Term) (term.Term, error) {
		names := c.Node.Runtime().Registered()
		out := make(term.List, len(names))
		for i, n := range names {
			out[i] = n
		}
		return sortedList(out), nil
	})
	reg.Register("erlang", "whereis", 1, func(c *CallContext, a []term.Term) (term.Term, error) {
		name, ok := a[0].(term.Atom)
		if !ok {
			return nil, Badarg()
		}
		if pid, ok := c.Node.Runtime().WhereIs(name); ok {
			return pid, nil
		}
		return term.Undefined, nil
	})
	reg.Register("erlang", "is_process_alive", 1, func(c *CallContext, a []term.Term) (term.Term, error) {
		pid, ok := a[0].(term.Pid)
		if !ok || !c.Node.Runtime().IsLocal(pid) {
			return nil, Badarg()
		}
		_, alive := c.Node.Runtime().Lookup(pid)
		return term.Bool(alive), nil
	})
	reg.Register("erlang", "process_info", 1, func(c *CallContext, a []term.Term) (term.Term, error) {
		pid, ok := a[0].(term.Pid)
		if !ok || !c.Node.Runtime().IsLocal(pid) {
			return nil, Badarg()
		}
		info, ok := c.Node.Runtime().Info(pid)
		if !ok {
			return term.Undefined, nil
		}
		return processInfo(info, defaultInfoKeys)
	})
	reg.Register("erlang", "process_info", 2, func(c *CallContext, a []term.Term) (term.Term, error) {
		pid, ok := a[0].(term.Pid)
		if !ok || !c.Node.Runtime().IsLocal(pid) {
			return nil, Badarg()
		}
		info, ok := c.Node.Runtime().Info(pid)
		if !ok {
			return term.Undefined, nil
		}
		if key, ok := a[1].(term.Atom); ok {
			l, err := processInfo(info, []term.Atom{key})
			if err != nil {
				return nil, err
			}
			return l.(term.List)[0], nil // processInfo builds a term.List
		}
		keys, ok := term.AsList(a[1])
		if !ok {
			return nil, Badarg()
		}
		ks := make([]term.Atom, len(keys))
		for i, k := range keys {
			if ks[i], ok = k.(term.Atom); !ok {
				return nil, Badarg()
			}
		}
		return processInfo(info, ks)
	})
	reg.Register("erlang", "system_info", 1, func(c *CallContext, a []term.Term) (term.Term, error) {
		return systemInfo(c.Node, a[0], version)
	})
	reg.Register("erlang", "memory", 0, func(c *CallContext, _ []term.Term) (term.Term, error) {
		return memory(c.Node), nil
	})
	reg.Register("erlang", "statistics", 1, func(c *CallContext, a []term.Term) (term.Term, error) {
		return statistics(c.Node, a[0])
	})
	reg.Register("avmsh", "version", 0, func(c *CallContext, _ []term.Term) (term.Term, error) {
		return term.Binary(version), nil
	})
	reg.Register("avmsh", "nodes", 0, func(c *CallContext, _ []term.Term) (term.Term, error) {
		var out term.List
		for _, p := range c.Node.Nodes() {
			out = append(out, term.NewMap(
				term.KV{Key: term.Atom("node"), Value: p.Node},
				term.KV{Key: term.Atom("kind"), Value: term.Atom(p.Kind)},
				term.KV{Key: term.Atom("transport"), Value: term.Atom(p.Transport)},
				term.KV{Key: term.Atom("type"), Value: term.Atom(p.NodeType())},
				term.KV{Key: term.Atom("since"), Value: term.Int(p.Since.Unix())},
			))
		}
		if out == nil {
			return term.Nil, nil
		}
		return out, nil
	})
}

func sortedList(l term.List) term.Term {
	if len(l) == 0 {
		return term.Nil
	}
	sortTerms(l)
	return l
}

func nodesOf(n *node.Node, typ string) term.List {
	var out term.List
	for _, p := range n.Nodes() {
		if p.NodeType() == typ {
			out = append(out, p.Node)
		}
	}
	return out
}

var defaultInfoKeys = []term.Atom{"current_function", "initial_call", "status", "message_queue_len",
	"links", "dictionary", "trap_exit", "error_handler", "priority", "group_leader", "total_heap_size",
	"heap_size", "stack_size", "reductions", "garbage_collection", "suspending"}

// mfaOf turns a label "m:f/a" (or "m:f") into {m, f, a}.
func mfaOf(label string) term.Term {
	m, fa, ok := strings.Cut(label, ":")
	if !ok || m == "" {
		return term.Tuple{term.Atom("avmsh"), term.Atom(strings.ReplaceAll(label, " ", "_")), term.Int(0)}
	}
	f, a, _ := strings.Cut(fa, "/")
	ar := 0
	for _, ch := range a {
		if ch >= '0' && ch <= '9' {
			ar = ar*10 + int(ch-'0')
		}
	}
	return term.Tuple{term.Atom(m), term.Atom(f), term.Int(ar)}
}

func processInfo(info vm.ProcessInfo, keys []term.Atom) (term.Term, error) {
	out := make(term.List, 0, len(keys))
	for _, k := range keys {
		var v term.Term
		switch k {
		case "current_function", "initial_call":
			v = mfaOf(info.CurrentFunction)
		case "registered_name":
			if info.RegisteredName == "" {
				v = term.Nil
				out = append(out, term.Tuple{k, v})
				continue
			}
			v = info.RegisteredName
		case "status":
			v = term.Atom(info.Status)
		case "message_queue_len":
			v = term.Int(info.MessageQueueLen)
		case "messages":
			v = term.Nil
		case "links":
			l := make(term.List, len(info.Links))
			for i, p := range info.Links {
				l[i] = p
			}
			v = sortedList(l)
		case "monitors":
			l := make(term.List, len(info.Monitors))
			for i, m := range info.Monitors {
				if t, ok := m.(term.Tuple); ok {
					l[i] = term.Tuple{term.Atom("process"), t}
				} else {
					l[i] = term.Tuple{term.Atom("process"), m}
				}
			}
			v = sortedList(l)
		case "monitored_by":
			l := make(term.List, len(info.MonitoredBy))
			for i, p := range info.MonitoredBy {
				l[i] = p
			}
			v = sortedList(l)
		case "dictionary":
			var l term.List
			for k, val := range info.Dictionary {
				l = append(l, term.Tuple{term.Atom(k), term.Binary(val)})
			}
			v = sortedList(l)
		case "trap_exit":
			v = term.Bool(info.TrapExit)
		case "error_handler":
			v = term.Atom("error_handler")
		case "priority":
			v = term.Atom("normal")
		case "group_leader":
			v = info.GroupLeader
		case "memory":
			v = term.Int(info.Memory)
		case "total_heap_size", "heap_size":
			v = term.Int(info.Memory / 8)
		case "stack_size":
			v = term.Int(0)
		case "reductions":
			v = term.Uint64(info.Reductions)
		case "garbage_collection":
			v = term.Nil
		case "suspending":
			v = term.Nil
		default:
			return nil, Badarg()
		}
		out = append(out, term.Tuple{k, v})
	}
	return out, nil
}

func systemInfo(n *node.Node, key term.Term, version string) (term.Term, error) {
	rt := n.Runtime()
	switch key {
	case term.Atom("machine"):
		return term.String(Machine), nil
	case term.Atom("otp_release"):
		return term.String("avmsh"), nil
	case term.Atom("version"):
		return term.String(version), nil
	case term.Atom("system_version"):
		return term.String("avmsh " + version + " (Go " + runtime.Version() + ")\n"), nil
	case term.Atom("process_count"):
		return term.Int(rt.ProcessCount()), nil
	case term.Atom("process_limit"):
		return term.Int(1 << 28), nil
	case term.Atom("atom_count"):
		return term.Int(0), nil
	case term.Atom("atom_limit"):
		return term.Int(1 << 20), nil
	case term.Atom("port_count"):
		return term.Int(0), nil
	case term.Atom("port_limit"):
		return term.Int(65536), nil
	case term.Atom("schedulers"), term.Atom("schedulers_online"), term.Atom("logical_processors"):
		return term.Int(runtime.GOMAXPROCS(0)), nil
	case term.Atom("wordsize"):
		return term.Int(8), nil
	case term.Atom("creation"):
		return term.Int(n.Creation()), nil
	}
	return nil, Badarg()
}

func memory(n *node.Node) term.Term {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	procs := int64(n.Runtime().ProcessCount()) * 4096
	total := int64(ms.Sys)
	return term.List{
		term.Tuple{term.Atom("total"), term.Int(total)},
		term.Tuple{term.Atom("processes"), term.Int(procs)},
		term.Tuple{term.Atom("processes_used"), term.Int(procs)},
		term.Tuple{term.Atom("system"), term.Int(total - procs)},
		term.Tuple{term.Atom("atom"), term.Int(0)},
		term.Tuple{term.Atom("atom_used"), term.Int(0)},
		term.Tuple{term.Atom("binary"), term.Int(int64(ms.HeapAlloc))},
		term.Tuple{term.Atom("code"), term.Int(0)},
		term.Tuple{term.Atom("ets"), term.Int(0)},
	}
}

func statistics(n *node.Node, key term.Term) (term.Term, error) {
	up := term.Int(time.Since(n.Runtime().StartTime()).Milliseconds())
	switch key {
	case term.Atom("wall_clock"), term.Atom("runtime"):
		return term.Tuple{up, term.Int(0)}, nil
	case term.Atom("run_queue"), term.Atom("total_run_queue_lengths"), term.Atom("total_active_tasks"):
		return term.Int(0), nil
	case term.Atom("reductions"):
		st := n.Runtime().Stats()
		return term.Tuple{term.Uint64(st.Spawned), term.Int(0)}, nil
	case term.Atom("context_switches"):
		return term.Tuple{term.Int(0), term.Int(0)}, nil
	}
	return nil, Badarg()
}
