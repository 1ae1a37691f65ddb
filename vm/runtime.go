package vm

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// Errors returned by process operations.
var (
	// ErrTimeout: a receive timed out.
	ErrTimeout = errors.New("receive timed out")
	// ErrExited: the process has exited (see Process.ExitReason).
	ErrExited = errors.New("process exited")
	// ErrNoProc: no such process or registered name.
	ErrNoProc = errors.New("no such process")
	// ErrNotAlive: a remote destination was used but distribution is off.
	ErrNotAlive = errors.New("distribution is not started: no route to remote nodes")
	// ErrNameTaken: the registered name is in use, or the process already
	// has a name.
	ErrNameTaken = errors.New("name already registered")
)

// Common exit reasons.
var (
	Normal       term.Term = term.Atom("normal")
	Kill         term.Term = term.Atom("kill")
	Killed       term.Term = term.Atom("killed")
	NoProc       term.Term = term.Atom("noproc")
	NoConnection term.Term = term.Atom("noconnection")
)

// Config configures a Runtime.
type Config struct {
	// Node is the node name that appears in local pids and refs
	// (e.g. "avmsh@host"); "nonode@nohost" when empty.
	Node term.Atom
	// Creation is the node's creation (put into every pid and ref).
	Creation uint32
	// Logger receives crash reports of processes; slog.Default if nil.
	Logger *slog.Logger
}

// Runtime owns the local processes: pids, mailboxes, links, monitors,
// registered names, aliases and timers. It is safe for concurrent use.
type Runtime struct {
	node     term.Atom
	creation uint32
	log      *slog.Logger
	started  time.Time

	nextID  atomic.Uint64 // pid numbers; the serial is derived from overflow
	refHi   uint32
	nextRef atomic.Uint64

	procs procTable

	namesMu sync.RWMutex
	names   map[term.Atom]*Process

	aliasMu sync.RWMutex
	aliases map[term.Ref]*Process

	timersMu sync.Mutex
	timers   map[term.Ref]*time.Timer

	router atomic.Pointer[routerBox]

	spawned, exited atomic.Uint64
}

type routerBox struct{ r Router }

// New returns a Runtime for node.
func New(cfg Config) *Runtime {
	if cfg.Node == "" {
		cfg.Node = "nonode@nohost"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rt := &Runtime{
		node:     cfg.Node,
		creation: cfg.Creation,
		log:      cfg.Logger,
		started:  time.Now(),
		names:    make(map[term.Atom]*Process),
		aliases:  make(map[term.Ref]*Process),
		timers:   make(map[term.Ref]*time.Timer),
		refHi:    uint32(time.Now().UnixNano()),
	}
	rt.procs.init()
	rt.nextID.Store(0)
	return rt
}

// Node returns the local node name.
func (rt *Runtime) Node() term.Atom { return rt.node }

// Creation returns the local node's creation.
func (rt *Runtime) Creation() uint32 { return rt.creation }

// StartTime is when the runtime was created (for uptime).
func (rt *Runtime) StartTime() time.Time { return rt.started }

// SetRouter installs the route to remote nodes (the distribution node).
func (rt *Runtime) SetRouter(r Router) { rt.router.Store(&routerBox{r}) }

func (rt *Runtime) routerFor(node term.Atom) (Router, error) {
	b := rt.router.Load()
	if b == nil || b.r == nil {
		return nil, fmt.Errorf("node %s: %w", node, ErrNotAlive)
	}
	return b.r, nil
}

// IsLocal reports whether pid belongs to this runtime (same node and
// creation).
func (rt *Runtime) IsLocal(pid term.Pid) bool {
	return pid.Node == rt.node && pid.Creation == rt.creation
}

// pidMax is the largest pid number before the serial is bumped, as in
// OTP (28 bits).
const pidMax = 1<<28 - 1

func (rt *Runtime) newPid() term.Pid {
	n := rt.nextID.Add(1)
	return term.Pid{Node: rt.node, ID: uint32(n % pidMax), Serial: uint32(n / pidMax), Creation: rt.creation}
}

// MakeRef returns a new unique reference of this node (3 words, like
// OTP's make_ref()).
func (rt *Runtime) MakeRef() term.Ref {
	n := rt.nextRef.Add(1)
	return term.NewRef(rt.node, rt.creation, uint32(n), uint32(n>>32), rt.refHi)
}

// IsLocalRef reports whether ref was made by this runtime.
func (rt *Runtime) IsLocalRef(ref term.Ref) bool {
	return ref.Node == rt.node && ref.Creation == rt.creation
}

// Lookup returns the live local process with pid.
func (rt *Runtime) Lookup(pid term.Pid) (*Process, bool) {
	if !rt.IsLocal(pid) {
		return nil, false
	}
	p := rt.procs.get(pid)
	if p == nil || p.Dead() {
		return nil, false
	}
	return p, true
}

// Register associates name with a live local process (erlang:register/2).
func (rt *Runtime) Register(name term.Atom, pid term.Pid) error {
	p, ok := rt.Lookup(pid)
	if !ok {
		return fmt.Errorf("register %s: %w", name, ErrNoProc)
	}
	if name == "undefined" || name == "" {
		return fmt.Errorf("register %q: invalid name", name)
	}
	rt.namesMu.Lock()
	defer rt.namesMu.Unlock()
	if _, taken := rt.names[name]; taken {
		return fmt.Errorf("register %s: %w", name, ErrNameTaken)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.name != "" || p.gone.Load() {
		return fmt.Errorf("register %s for %v: %w", name, pid, ErrNameTaken)
	}
	p.name = name
	rt.names[name] = p
	return nil
}

// Unregister removes a registered name.
func (rt *Runtime) Unregister(name term.Atom) error {
	rt.namesMu.Lock()
	defer rt.namesMu.Unlock()
	p, ok := rt.names[name]
	if !ok {
		return fmt.Errorf("unregister %s: %w", name, ErrNoProc)
	}
	delete(rt.names, name)
	p.mu.Lock()
	p.name = ""
	p.mu.Unlock()
	return nil
}

// WhereIs returns the pid registered as name.
func (rt *Runtime) WhereIs(name term.Atom) (term.Pid, bool) {
	rt.namesMu.RLock()
	p, ok := rt.names[name]
	rt.namesMu.RUnlock()
	if !ok || p.Dead() {
		return term.Pid{}, false
	}
	return p.pid, true
}

// Registered returns every registered name.
func (rt *Runtime) Registered() []term.Atom {
	rt.namesMu.RLock()
	defer rt.namesMu.RUnlock()
	out := make([]term.Atom, 0, len(rt.names))
	for n := range rt.names {
		out = append(out, n)
	}
	return out
}

// Processes returns the pids of every live local process.
func (rt *Runtime) Processes() []term.Pid { return rt.procs.pids() }

// ProcessCount returns the number of live local processes.
func (rt *Runtime) ProcessCount() int { return rt.procs.count() }

// Stats are runtime counters.
type Stats struct {
	Processes       int
	Spawned, Exited uint64
	Registered      int
	Uptime          time.Duration
}

// Stats returns runtime counters.
func (rt *Runtime) Stats() Stats {
	rt.namesMu.RLock()
	nreg := len(rt.names)
	rt.namesMu.RUnlock()
	return Stats{Processes: rt.procs.count(), Spawned: rt.spawned.Load(), Exited: rt.exited.Load(), Registered: nreg, Uptime: time.Since(rt.started)}
}

// Shutdown kills every process (reason `shutdown` is not trappable here:
// it is a kill) and cancels every timer. The runtime can't be used after.
func (rt *Runtime) Shutdown() {
	rt.timersMu.Lock()
	for ref, t := range rt.timers {
		t.Stop()
		delete(rt.timers, ref)
	}
	rt.timersMu.Unlock()
	for _, pid := range rt.procs.pids() {
		if p := rt.procs.get(pid); p != nil {
			p.terminate(term.Atom("shutdown"))
		}
	}
	rt.procs.waitAll()
}

// procTable is a sharded pid → process map of local processes, keyed by
// the pid's number and serial (the node and creation are the runtime's).
type procTable struct {
	shards [64]struct {
		mu sync.RWMutex
		m  map[uint64]*Process
	}
	n  atomic.Int64
	wg sync.WaitGroup // goroutine-backed processes still running
}

func (t *procTable) init() {
	for i := range t.shards {
		t.shards[i].m = make(map[uint64]*Process)
	}
}

func (t *procTable) shard(pid term.Pid) int { return int(pid.ID % 64) }

func pidKey(pid term.Pid) uint64 { return uint64(pid.Serial)<<32 | uint64(pid.ID) }

func (t *procTable) put(p *Process) {
	s := &t.shards[t.shard(p.pid)]
	s.mu.Lock()
	s.m[pidKey(p.pid)] = p
	s.mu.Unlock()
	t.n.Add(1)
}

func (t *procTable) get(pid term.Pid) *Process {
	s := &t.shards[t.shard(pid)]
	s.mu.RLock()
	p := s.m[pidKey(pid)]
	s.mu.RUnlock()
	if p != nil && p.pid != pid {
		return nil // another node's (or incarnation's) pid with the same numbers
	}
	return p
}

func (t *procTable) remove(pid term.Pid) {
	s := &t.shards[t.shard(pid)]
	s.mu.Lock()
	if p, ok := s.m[pidKey(pid)]; ok && p.pid == pid {
		delete(s.m, pidKey(pid))
		t.n.Add(-1)
	}
	s.mu.Unlock()
}

func (t *procTable) count() int { return int(t.n.Load()) }

func (t *procTable) pids() []term.Pid {
	out := make([]term.Pid, 0, t.count())
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		for _, p := range s.m {
			out = append(out, p.pid)
		}
		s.mu.RUnlock()
	}
	return out
}

func (t *procTable) waitAll() { t.wg.Wait() }
