package source

import (
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// NodeState is what the cluster view shows for a node.
type NodeState string

// The node states.
const (
	StateLocal      NodeState = "local"
	StateUp         NodeState = "up"
	StateConnecting NodeState = "connecting"
	StateDown       NodeState = "down"
	StateSeen       NodeState = "seen" // registered in epmd or found on a port, not connected
	// StateUnreachable: registered in epmd with the other name mode
	// (a -sname node seen from a long-name dashboard, or the reverse),
	// which Erlang nodes do not connect to; Err says why.
	StateUnreachable NodeState = "unreachable"
)

// NodeRow is one line of the cluster view.
type NodeRow struct {
	Name      term.Atom
	Kind      string // beam, atomvm, avmsh, serial board
	Transport string // tcp, tls, serial
	Where     string // host:port, or the serial device
	// Dial is what Connect takes to reach this row's node when it is not
	// Name: a node epmd lists whose full name is not known yet (Name is
	// then the name epmd gave).
	Dial    string
	State   NodeState
	Since   time.Time
	Version string
	Procs   int64
	Memory  int64
	Uptime  time.Duration
	RTT     time.Duration
	Err     string
}

// Overview is the node view's header.
type Overview struct {
	Node        term.Atom
	Kind        string
	Version     string
	Memory      map[string]int64 // erlang:memory/0 (or what AtomVM offers)
	ProcCount   int64
	ProcLimit   int64
	AtomCount   int64
	AtomLimit   int64
	PortCount   int64
	PortLimit   int64
	Schedulers  int64
	RunQueue    int64
	Uptime      time.Duration
	RTT         time.Duration
	Unsupported []string // what the node did not answer
}

// Proc is one row of the process table.
type Proc struct {
	Pid        term.Pid
	Name       string // registered name
	Memory     int64
	MsgQ       int64
	Reductions int64
	Current    string // Mod:Fun/Arity
	Status     string
}

// ProcDetail is a process opened from the table.
type ProcDetail struct {
	Proc
	Info []term.Term // process_info/1 as {Key, Value} tuples
}

// EventKind classifies monitor events.
type EventKind string

// The event kinds.
const (
	EvNodeUp   EventKind = "nodeup"
	EvNodeDown EventKind = "nodedown"
	EvDown     EventKind = "DOWN"
	EvExit     EventKind = "EXIT"
	EvMessage  EventKind = "message"
)

// Event is one line of the monitors view.
type Event struct {
	At   time.Time
	Kind EventKind
	Node term.Atom
	Text string
}

// Device is a serial port in the devices view.
type Device struct {
	Path    string
	USB     string // VID:PID
	Board   string
	Product string
	Access  string
	Node    term.Atom // connected node on the port, if any
	// Open is set when avmsh has the port open (after connecting);
	// Console is then the last lines the board printed on it.
	Open    bool
	Console []string
}

// Module is a module loaded on a node.
type Module struct {
	Name string
	// File is where the node loaded it from, as code:all_loaded/0 says:
	// a path, "preloaded", "cover_compiled"; "" when the node does not
	// tell (AtomVM answers undefined).
	File string
}

// ModuleList is one poll of a node's module list.
type ModuleList struct {
	// Modules are sorted by name; there are at most Config.MaxModules.
	Modules []Module
	// Total is how many modules the node has loaded.
	Total int
}

// LoadOptions tune Code.Load.
type LoadOptions struct {
	// Purge kills the processes still running an old version of a
	// module on BEAM, as c:l/1 does, instead of refusing the load
	// (codeload.Options.Purge).
	Purge bool
}
