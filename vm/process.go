package vm

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// Body is the code of a goroutine-backed process. Its return value is the
// exit reason (return Normal for a normal exit).
type Body func(p *Process) term.Term

// Process is a local Erlang process. Goroutine-backed processes are made
// with Spawn; NewProcess makes one driven by the caller's own goroutine
// (the shell, a CLI command), which must call Exit when done.
//
// Receive, TrapExit and the other owner operations must be called only by
// the goroutine that drives the process; Send, Info and the signal
// operations may be called by anyone.
type Process struct {
	rt      *Runtime
	pid     term.Pid
	mb      mailbox
	handler Handler     // SpawnHandler's body; nil otherwise
	gone    atomic.Bool // dead; set under mu

	trap       atomic.Bool
	label      atomic.Pointer[string]
	reductions atomic.Uint64
	started    int64 // unix nanoseconds

	done atomic.Pointer[chan struct{}] // closed when the process is dead; made on first use (under mu)

	mu          sync.Mutex
	reason      term.Term
	name        term.Atom
	groupLeader *term.Pid // shared with other processes: replaced, never changed in place
	links       map[term.Pid]struct{}
	monitoredBy map[term.Ref]monitorIn  // monitors others hold on this process
	monitoring  map[term.Ref]monitorOut // monitors this process holds
	aliases     map[term.Ref]struct{}
	dict        map[string]string
}

type monitorIn struct {
	owner term.Pid  // who gets the DOWN
	item  term.Term // what the owner monitored: pid, or {Name, Node}
}

type monitorOut struct {
	target term.Term // pid, or {Name, Node}
	item   term.Term // the Item of the DOWN message
	pid    term.Pid  // the resolved target pid (zero if by name on a remote node)
}

// SpawnOptions control Spawn.
type SpawnOptions struct {
	// Link links the new process to Parent.
	Link bool
	// Monitor makes Parent monitor the new process; the reference is
	// returned by Spawn.
	Monitor bool
	// TrapExit starts the process trapping exits.
	TrapExit bool
	// Parent is the spawning process (for Link/Monitor and the default
	// group leader).
	Parent *Process
	// GroupLeader overrides the inherited group leader.
	GroupLeader *term.Pid
	// Name registers the process.
	Name term.Atom
	// Label describes what the process runs (e.g. "erpc:execute_call/4"),
	// shown as its current function.
	Label string
}

// Spawn starts body in a new goroutine-backed process.
func (rt *Runtime) Spawn(body Body, opts SpawnOptions) (*Process, term.Ref, error) {
	p, mref, err := rt.newProcess(opts)
	if err != nil {
		return nil, term.Ref{}, err
	}
	rt.procs.wg.Add(1)
	go p.run(body)
	return p, mref, nil
}

// NewProcess returns a process driven by the caller's goroutine. Call
// Exit when it is no longer needed.
func (rt *Runtime) NewProcess(opts SpawnOptions) (*Process, error) {
	p, _, err := rt.newProcess(opts)
	return p, err
}

func (rt *Runtime) newProcess(opts SpawnOptions) (*Process, term.Ref, error) {
	p := &Process{rt: rt, pid: rt.newPid(), started: time.Now().UnixNano()}
	p.trap.Store(opts.TrapExit)
	if opts.Label != "" {
		l := opts.Label
		p.label.Store(&l)
	}
	switch {
	case opts.GroupLeader != nil:
		gl := *opts.GroupLeader
		p.groupLeader = &gl
	case opts.Parent != nil:
		opts.Parent.mu.Lock()
		p.groupLeader = opts.Parent.groupLeader // never changed in place: shared
		opts.Parent.mu.Unlock()
	default:
		p.groupLeader = &p.pid
	}
	rt.procs.put(p)
	rt.spawned.Add(1)
	if opts.Name != "" {
		if err := rt.Register(opts.Name, p.pid); err != nil {
			p.terminate(Normal)
			return nil, term.Ref{}, err
		}
	}
	var mref term.Ref
	if opts.Parent != nil {
		if opts.Link {
			opts.Parent.linkLocal(p)
		}
		if opts.Monitor {
			mref, _ = opts.Parent.Monitor(p.pid) // a pid target never fails
		}
	}
	return p, mref, nil
}

func (p *Process) run(body Body) {
	defer p.rt.procs.wg.Done()
	reason := p.safeRun(body)
	p.terminate(reason)
}

func (p *Process) safeRun(body Body) (reason term.Term) {
	defer func() {
		if r := recover(); r != nil {
			p.rt.log.Error("process crashed", "pid", p.pid, "label", p.Label(), "panic", r, "stack", string(debug.Stack()))
			reason = term.Tuple{term.Atom("go_panic"), term.Binary(fmt.Sprint(r))}
		}
	}()
	return body(p)
}

// Self returns the process's pid.
func (p *Process) Self() term.Pid { return p.pid }

// Runtime returns the runtime the process lives in.
func (p *Process) Runtime() *Runtime { return p.rt }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} {
	if c := p.done.Load(); c != nil {
		return *c
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.done.Load(); c != nil {
		return *c
	}
	c := make(chan struct{}) // made on demand: an idle process need not carry one
	if p.gone.Load() {
		c = closedChan
	}
	p.done.Store(&c)
	return c
}

// closedChan is the Done channel of a process that died before anyone
// asked for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Dead reports whether the process has exited.
func (p *Process) Dead() bool { return p.gone.Load() }

// ExitReason returns the exit reason once the process is dead.
func (p *Process) ExitReason() term.Term {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reason
}

// Context returns a context that is cancelled when the process exits.
func (p *Process) Context() context.Context { return procContext{p} }

type procContext struct{ p *Process }

func (procContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c procContext) Done() <-chan struct{}     { return c.p.Done() }
func (c procContext) Err() error {
	if c.p.Dead() {
		return context.Canceled
	}
	return nil
}
func (procContext) Value(any) any { return nil }

// Receive waits for the first message for which match returns true (nil
// matches any message) and removes it from the mailbox. A timeout of 0
// only checks; Infinity waits forever. It returns ErrTimeout, ErrExited
// when the process is killed while waiting, or ctx's error.
func (p *Process) Receive(ctx context.Context, match func(term.Term) bool, timeout time.Duration) (term.Term, error) {
	var msg term.Term
	var err error
	if c, ok := ctx.(procContext); ok && c.p == p && timeout < 0 {
		// The process's own context and no timeout, the usual server
		// loop: wait on the mailbox alone (terminate wakes it too), with a
		// smaller frame than a four-way select, so an idle goroutine
		// stays within its first 2 KiB of stack.
		msg, err = p.mb.receiveOwn(p, match)
	} else {
		msg, err = p.mb.receive(ctx, p, match, timeout)
	}
	if err == nil {
		p.reductions.Add(1)
	}
	return msg, err
}

// MessageQueueLen returns the number of queued messages.
func (p *Process) MessageQueueLen() int { return p.mb.len() }

// Messages returns a copy of the queued messages.
func (p *Process) Messages() []term.Term { return p.mb.snapshot() }

// Flush removes and returns every queued message (the shell's flush()).
func (p *Process) Flush() []term.Term { return p.mb.drain() }

// TrapExit sets process_flag(trap_exit, on) and returns the old value.
func (p *Process) TrapExit(on bool) bool { return p.trap.Swap(on) }

// SetLabel sets what the process is doing, shown as its current function.
func (p *Process) SetLabel(s string) { p.label.Store(&s) }

// Label returns the current-function label.
func (p *Process) Label() string {
	if l := p.label.Load(); l != nil {
		return *l
	}
	return ""
}

// GroupLeader returns the process's group leader.
func (p *Process) GroupLeader() term.Pid {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *p.groupLeader
}

// SetGroupLeader sets the process's group leader.
func (p *Process) SetGroupLeader(gl term.Pid) {
	p.mu.Lock()
	p.groupLeader = &gl
	p.mu.Unlock()
}

// PutDict stores a key in the process dictionary shown by process info.
func (p *Process) PutDict(key, value string) {
	p.mu.Lock()
	if p.dict == nil {
		p.dict = make(map[string]string)
	}
	p.dict[key] = value
	p.mu.Unlock()
}

// Exit ends the process with reason (erlang:exit/1 for the caller's own
// process). It is a no-op on a dead process.
func (p *Process) Exit(reason term.Term) { p.terminate(reason) }

// terminate marks the process dead and propagates the exit to links and
// monitors. Only the first call has an effect.
func (p *Process) terminate(reason term.Term) {
	p.mu.Lock()
	if p.gone.Load() {
		p.mu.Unlock()
		return
	}
	p.gone.Store(true)
	p.reason = reason
	var done chan struct{}
	if c := p.done.Load(); c != nil {
		done = *c
	} else {
		p.done.Store(&closedChan)
	}
	name := p.name
	p.name = ""
	links := p.links
	p.links = nil
	monitoredBy := p.monitoredBy
	p.monitoredBy = nil
	monitoring := p.monitoring
	p.monitoring = nil
	aliases := p.aliases
	p.aliases = nil
	p.mu.Unlock()
	if done != nil {
		close(done)
	}
	p.mb.stop() // a SpawnHandler process starts no more goroutines; receiveOwn returns

	rt := p.rt
	rt.procs.remove(p.pid)
	rt.exited.Add(1)
	if name != "" {
		rt.namesMu.Lock()
		if rt.names[name] == p {
			delete(rt.names, name)
		}
		rt.namesMu.Unlock()
	}
	if len(aliases) > 0 {
		rt.aliasMu.Lock()
		for a := range aliases {
			delete(rt.aliases, a)
		}
		rt.aliasMu.Unlock()
	}
	for ref, m := range monitoring {
		p.dropMonitor(ref, m)
	}
	for other := range links {
		rt.sendExit(p.pid, other, reason, true)
	}
	for ref, m := range monitoredBy {
		rt.sendDown(m.owner, ref, m.item, reason)
	}
	p.mb.drain()
}
