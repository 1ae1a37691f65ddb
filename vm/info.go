package vm

import (
	"time"
	"unsafe"

	"github.com/avmsh/avmsh/vm/term"
)

// ProcessInfo is a snapshot of a process for process_info and dashboards.
type ProcessInfo struct {
	Pid             term.Pid
	RegisteredName  term.Atom // "" if none
	Status          string    // "running", "waiting" or "exiting"
	MessageQueueLen int
	Links           []term.Pid
	Monitors        []term.Term // what it monitors: pids or {Name, Node}
	MonitoredBy     []term.Pid
	TrapExit        bool
	GroupLeader     term.Pid
	// CurrentFunction is the process's label, e.g. "erpc:execute_call/4".
	CurrentFunction string
	// Memory is an estimate in bytes of what the process holds: its
	// structures, its mailbox and its goroutine's minimum stack.
	Memory     int
	Reductions uint64 // messages received so far
	StartTime  time.Time
	Dictionary map[string]string
}

// baseProcessBytes estimates the fixed cost of a process: the Process
// struct, its channels and a goroutine's 2 KiB minimum stack (which a
// SpawnHandler process does not have while it waits).
var baseProcessBytes = int(unsafe.Sizeof(Process{})) + 96*2 + 2048

// Info returns a snapshot of a live local process.
func (rt *Runtime) Info(pid term.Pid) (ProcessInfo, bool) {
	p, ok := rt.Lookup(pid)
	if !ok {
		return ProcessInfo{}, false
	}
	return p.Info(), true
}

// Info returns a snapshot of the process.
func (p *Process) Info() ProcessInfo {
	msgs := p.mb.snapshot()
	mem := baseProcessBytes
	if p.handler != nil {
		mem -= 2048 // no goroutine while idle (SpawnHandler)
	}
	for _, m := range msgs {
		mem += approxSize(m, 0)
	}
	info := ProcessInfo{
		Pid:             p.pid,
		MessageQueueLen: len(msgs),
		Links:           p.Links(),
		Monitors:        p.Monitors(),
		MonitoredBy:     p.MonitoredBy(),
		TrapExit:        p.trap.Load(),
		CurrentFunction: p.Label(),
		Reductions:      p.reductions.Load(),
		StartTime:       time.Unix(0, p.started),
		Status:          "waiting",
	}
	p.mu.Lock()
	info.RegisteredName = p.name
	info.GroupLeader = *p.groupLeader
	if p.gone.Load() {
		info.Status = "exiting"
	}
	if len(p.dict) > 0 {
		info.Dictionary = make(map[string]string, len(p.dict))
		for k, v := range p.dict {
			info.Dictionary[k] = v
		}
	}
	mem += 48 * (len(p.links) + len(p.monitoring) + len(p.monitoredBy))
	p.mu.Unlock()
	if len(msgs) > 0 {
		info.Status = "runnable"
	}
	info.Memory = mem
	return info
}

// approxSize estimates the heap bytes of a term (bounded depth).
func approxSize(t term.Term, depth int) int {
	if depth > 8 {
		return 16
	}
	switch v := t.(type) {
	case term.Binary:
		return 24 + len(v)
	case term.Bitstring:
		return 32 + len(v.Data)
	case term.Atom:
		return 16
	case term.Chars:
		return 32 + len(v)
	case term.List:
		n := 24
		for _, e := range v {
			n += 16 + approxSize(e, depth+1)
		}
		return n
	case term.Tuple:
		n := 24
		for _, e := range v {
			n += 16 + approxSize(e, depth+1)
		}
		return n
	case term.ImproperList:
		n := 40 + approxSize(v.Tail, depth+1)
		for _, e := range v.Elems {
			n += 16 + approxSize(e, depth+1)
		}
		return n
	case term.Map:
		n := 24
		for _, kv := range v.Pairs() {
			n += 32 + approxSize(kv.Key, depth+1) + approxSize(kv.Value, depth+1)
		}
		return n
	default:
		return 16
	}
}
