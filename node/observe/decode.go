package observe

import (
	"time"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Decoders of the BEAM sections' values (see beam.go). Elements of an
// unexpected shape are skipped.

// decodeOverview reads {Memory, RunQueue, [ProcessCount, ProcessLimit,
// AtomCount, AtomLimit, PortCount, PortLimit, SchedulersOnline,
// OtpRelease], UptimeMs}.
func decodeOverview(t term.Term) (Overview, bool) {
	v, ok := tuple(t, 4)
	if !ok {
		return Overview{}, false
	}
	info, ok := term.AsList(v[2]) // integers, then otp_release (a string)
	if !ok || len(info) != 8 {
		return Overview{}, false
	}
	o := Overview{Memory: memoryMap(v[0]), RunQueue: intOf(v[1])}
	o.ProcCount, o.ProcLimit = intOf(info[0]), intOf(info[1])
	o.AtomCount, o.AtomLimit = intOf(info[2]), intOf(info[3])
	o.PortCount, o.PortLimit = intOf(info[4]), intOf(info[5])
	o.Schedulers = intOf(info[6])
	o.Version = "OTP " + textOf(info[7])
	o.Uptime = time.Duration(intOf(v[3])) * time.Millisecond
	o.Gauges = map[string]int64{GaugeProcessCount: o.ProcCount}
	if total, ok := o.Memory["total"]; ok {
		o.Gauges[GaugeMemoryTotal] = total
	}
	return o, true
}

// procKeys are the process_info/2 items of the table (BEAM, avmsh).
var procKeys = term.List{term.Atom("registered_name"), term.Atom("memory"), term.Atom("message_queue_len"),
	term.Atom("reductions"), term.Atom("current_function"), term.Atom("status")}

// procFromInfo reads a process_info answer (a list of {Item, Value}).
func procFromInfo(pid term.Pid, info term.Term) (Proc, bool) {
	l, ok := info.(term.List)
	if !ok {
		return Proc{}, false
	}
	p := Proc{Pid: pid}
	for _, e := range l {
		kv, ok := tuple(e, 2)
		if !ok {
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
			p.Current = mfaText(kv[1])
		case term.Atom("status"):
			p.Status = textOf(kv[1])
		}
	}
	return p, true
}

func decodeProcs(t term.Term) []Proc {
	rows, _ := t.(term.List)
	out := make([]Proc, 0, len(rows))
	for _, r := range rows {
		pi, ok := tuple(r, 2)
		if !ok {
			continue
		}
		pid, ok := pi[0].(term.Pid)
		if !ok {
			continue
		}
		if p, ok := procFromInfo(pid, pi[1]); ok { // undefined: exited meanwhile
			out = append(out, p)
		}
	}
	return out
}

// decodeETS reads the ETS section; table identifiers (references for
// unnamed tables) print as node n prints its own.
func decodeETS(t term.Term, n term.Atom) []ETSTable {
	v, ok := tuple(t, 2)
	if !ok {
		return nil
	}
	word := intOf(v[0])
	rows, _ := v[1].(term.List)
	out := make([]ETSTable, 0, len(rows))
	for _, r := range rows {
		e, ok := tuple(r, 8)
		if !ok || e[1] == term.Atom("undefined") { // deleted meanwhile
			continue
		}
		tb := ETSTable{ID: syntax.Write(e[0], syntax.Options{Encoding: syntax.Unicode, Node: syntax.NodeContext{Local: n}}), Name: textOf(e[1]), Size: intOf(e[2]), Memory: intOf(e[3]) * word,
			Type: textOf(e[6]), Protection: textOf(e[7])}
		tb.Owner, _ = e[4].(term.Pid)
		if n, ok := tagged(e[5], "registered_name"); ok {
			if a, ok := n.(term.Atom); ok {
				tb.OwnerName = string(a)
			}
		}
		out = append(out, tb)
	}
	return out
}

func decodePorts(t term.Term) []PortInfo {
	rows, _ := t.(term.List)
	out := make([]PortInfo, 0, len(rows))
	for _, r := range rows {
		e, ok := tuple(r, 5)
		if !ok {
			continue
		}
		port, ok := e[0].(term.Port)
		if !ok || e[1] == term.Atom("undefined") { // closed meanwhile
			continue
		}
		info := proplist(e[1])
		p := PortInfo{Port: port, Name: textOf(info["name"]), Connected: info["connected"],
			Input: intOf(info["input"]), Output: intOf(info["output"])}
		if v, ok := tagged(e[2], "memory"); ok {
			p.Memory = intOf(v)
		}
		if v, ok := tagged(e[3], "queue_size"); ok {
			p.Queue = intOf(v)
		}
		if a, ok := tuple(e[4], 2); ok {
			p.Local, p.Remote = addrText(a[0]), addrText(a[1])
		}
		out = append(out, p)
	}
	return out
}

func decodeDist(t term.Term) []DistConn {
	v, ok := tuple(t, 3)
	if !ok {
		return nil
	}
	busy := intOf(v[1])
	byNode := map[term.Atom]map[term.Atom]term.Term{}
	if okInfo, ok := tuple(v[0], 2); ok && okInfo[0] == term.Atom("ok") {
		if l, ok := okInfo[1].(term.List); ok {
			for _, e := range l {
				if ni, ok := tuple(e, 2); ok {
					if n, ok := ni[0].(term.Atom); ok {
						byNode[n] = proplist(ni[1])
					}
				}
			}
		}
	}
	rows, _ := v[2].(term.List)
	out := make([]DistConn, 0, len(rows))
	for _, r := range rows {
		e, ok := tuple(r, 3)
		if !ok {
			continue
		}
		n, ok := e[0].(term.Atom)
		if !ok {
			continue
		}
		d := DistConn{Node: n, Controller: e[1], BusyLimit: busy}
		if info := byNode[n]; info != nil {
			d.In, d.Out = intOf(info["in"]), intOf(info["out"])
			d.Type = "visible"
			if info["type"] == term.Atom("hidden") {
				d.Type = "hidden"
			}
			if a, ok := tuple(info["address"], 5); ok && a[0] == term.Atom("net_address") {
				if ipPort, ok := tuple(a[1], 2); ok {
					d.Address = addrText(term.Tuple{term.Atom("ok"), ipPort})
				}
			}
		}
		if mq, ok := tagged(e[2], "message_queue_len"); ok {
			d.MsgQ = intOf(mq)
		} else if q, ok := tuple(e[2], 2); ok {
			if size, ok := tagged(q[0], "queue_size"); ok {
				d.Queue = intOf(size)
			}
			if st, ok := tuple(q[1], 2); ok && st[0] == term.Atom("ok") {
				s := proplist(st[1])
				d.RecvBytes, d.SentBytes, d.SendPending = intOf(s["recv_oct"]), intOf(s["send_oct"]), intOf(s["send_pend"])
			}
		}
		out = append(out, d)
	}
	return out
}

func decodeSched(t term.Term) *SchedSample {
	v, ok := tuple(t, 5)
	if !ok {
		return nil
	}
	s := &SchedSample{Online: intOf(v[0]), Runtime: intOf(v[2]), Wall: intOf(v[3]), RunQueue: intOf(v[4])}
	if l, ok := v[1].(term.List); ok { // undefined when the flag is off
		for _, e := range l {
			if w, ok := tuple(e, 3); ok {
				s.WallTime = append(s.WallTime, SchedTime{ID: intOf(w[0]), Active: intOf(w[1]), Total: intOf(w[2])})
			}
		}
	}
	return s
}

func decodeApps(t term.Term) []App {
	rows, _ := t.(term.List)
	out := make([]App, 0, len(rows))
	for _, r := range rows {
		e, ok := tuple(r, 5)
		if !ok {
			continue
		}
		a := App{Name: textOf(e[0]), Description: textOf(e[1]), Version: textOf(e[2])}
		if pid, ok := e[3].(term.Pid); ok {
			a.Sup = &SupNode{ID: a.Name, Pid: pid, Type: "supervisor"}
			fillSup(a.Sup, e[4], 0)
		}
		out = append(out, a)
	}
	return out
}

// fillSup reads ObserveTree's answer for n: {Total, Kids}, cut or error.
// depth bounds the recursion against a hostile answer.
func fillSup(n *SupNode, t term.Term, depth int) {
	v, ok := tuple(t, 2)
	if !ok || depth > 64 {
		n.Cut = t == term.Atom("cut")
		return
	}
	n.Total = int(intOf(v[0]))
	kids, _ := v[1].(term.List)
	for _, k := range kids {
		e, ok := tuple(k, 4)
		if !ok {
			continue
		}
		c := &SupNode{ID: writeTerm(e[0]), Pid: e[1], Type: textOf(e[2])}
		if c.Type == "supervisor" {
			fillSup(c, e[3], depth+1)
		}
		n.Children = append(n.Children, c)
	}
}

// decodeModules reads {Total, [{Module, File}]}.
func decodeModules(t term.Term) *ModuleList {
	v, ok := tuple(t, 2)
	if !ok {
		return nil
	}
	mods := modulesOf(v[1])
	return &ModuleList{Modules: mods, Total: max(int(intOf(v[0])), len(mods))}
}

// modulesOf reads code:all_loaded/0's [{Module, File}] (File is
// undefined on AtomVM).
func modulesOf(v term.Term) []Module {
	l, _ := v.(term.List)
	out := make([]Module, 0, len(l))
	for _, e := range l {
		t, ok := tuple(e, 2)
		if !ok {
			continue
		}
		name, ok := t[0].(term.Atom)
		if !ok {
			continue
		}
		file := ""
		if t[1] != term.Atom("undefined") {
			file = textOf(t[1])
		}
		out = append(out, Module{Name: string(name), File: file})
	}
	return out
}
