package source

import (
	"log/slog"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Config configures Live.
type Config struct {
	// Local is the dashboard's own node, started by localnode (names,
	// cookie, TLS, serial ports, built-in modules, group leader: the
	// same set-up as every command's). Live uses it and does not stop
	// it.
	Local *localnode.Node
	// EpmdHosts are polled for registered nodes ("localhost" by default);
	// EpmdPort is their epmd port (4369 or ERL_EPMD_PORT).
	EpmdHosts []string
	EpmdPort  int
	// AutoConnect connects (hidden) to the nodes epmd lists.
	AutoConnect bool
	// MaxProcs caps the rows of one process table poll (5000 by
	// default); MaxModules those of one module list poll (5000).
	MaxProcs   int
	MaxModules int
	// Leak tunes the leak watch (window, thresholds; zero: package
	// leak's defaults).
	Leak leak.Config
	// Fleet is where the boards the dashboard meets are recorded and
	// the fleet is read from (nil: nothing recorded, Fleet errs).
	Fleet *fleet.Store
	// Logger receives debug logs (nil: discarded).
	Logger *slog.Logger
}

// env is what every part of Live works on: the local node, the epmd
// hosts to poll, and the watcher process the dashboard's signals come
// from.
type env struct {
	local       *localnode.Node
	n           *node.Node
	epmdHosts   []string
	epmdPort    int
	autoConnect bool
	maxProcs    int
	maxModules  int
	log         *slog.Logger
	watcher     *vm.Process
	started     time.Time
	obs         *observe.Observer // every read of a node goes through it
	leaks       *leak.Watch
	fleet       *fleetLog
	crashes     *crashFollower
	events      chan Event // what Events delivers

	mu     sync.Mutex
	dialed map[string]*serialdist.Port // ports opened by Connect, by device
}

// newEnv applies Config's defaults and starts the watcher process.
func newEnv(cfg Config) (*env, error) {
	e := &env{local: cfg.Local, n: cfg.Local.Node.Node, epmdHosts: cfg.EpmdHosts, epmdPort: cfg.EpmdPort,
		autoConnect: cfg.AutoConnect, maxProcs: cfg.MaxProcs, maxModules: cfg.MaxModules, log: cfg.Logger, started: time.Now(),
		dialed: map[string]*serialdist.Port{}}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if len(e.epmdHosts) == 0 {
		e.epmdHosts = []string{"localhost"}
	}
	if e.epmdPort == 0 {
		e.epmdPort = 4369
	}
	if e.maxProcs == 0 {
		e.maxProcs = 5000
	}
	if e.maxModules == 0 {
		e.maxModules = 5000
	}
	w, err := e.n.Runtime().NewProcess(vm.SpawnOptions{Label: "avmsh:tui_watcher/0"})
	if err != nil {
		return nil, err
	}
	w.TrapExit(true)
	e.watcher = w
	e.obs = observe.New(observe.Config{Node: e.n, Registry: e.local.Registry(), Process: w,
		MaxProcs: e.maxProcs, MaxModules: e.maxModules})
	e.leaks = leak.New(cfg.Leak)
	e.fleet = newFleetLog(cfg.Fleet)
	e.crashes = newCrashFollower(e)
	e.events = make(chan Event, 256)
	return e, nil
}

// groupLeader is the local node's I/O server, the group leader of the
// shell's evaluations.
func (e *env) groupLeader() *term.Pid {
	p := e.local.GroupLeader().Pid()
	return &p
}

// openPorts are the serial ports the node has open, by device: those it
// listens on and those Connect opened.
func (e *env) openPorts() map[string]*serialdist.Port {
	open := map[string]*serialdist.Port{}
	e.mu.Lock()
	for dev, p := range e.dialed {
		select {
		case <-p.Done():
			delete(e.dialed, dev)
		default:
			open[dev] = p
		}
	}
	e.mu.Unlock()
	for _, p := range e.local.Ports() {
		open[p.Name()] = p
	}
	return open
}

// dialedPort remembers the port a serial target was reached over (the
// node lists only the ports it listens on).
func (e *env) dialedPort(serial string) {
	p, err := e.local.Port(serial) // open already: no new open
	if err != nil {
		return
	}
	e.mu.Lock()
	e.dialed[p.Name()] = p
	e.mu.Unlock()
}

// longName reports whether name uses long names (a dotted host or an IP
// address: localnode.NameModeFor, the rule of the CLI too).
func longName(name term.Atom) bool {
	_, host, err := node.SplitNodeName(string(name))
	return err == nil && localnode.NameModeFor(host) == node.LongNames
}
