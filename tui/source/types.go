package source

import (
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
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

// Overview is the node view's header (node/observe's).
type Overview = observe.Overview

// Proc is one row of the process table (node/observe's).
type Proc = observe.Proc

// ProcDetail is a process opened from the table (node/observe's).
type ProcDetail = observe.ProcDetail

// EventKind classifies monitor events.
type EventKind string

// The event kinds.
const (
	EvNodeUp   EventKind = "nodeup"
	EvNodeDown EventKind = "nodedown"
	EvDown     EventKind = "DOWN"
	EvExit     EventKind = "EXIT"
	EvMessage  EventKind = "message"
	// EvCrash is a crash dump a board printed on its console.
	EvCrash EventKind = "crash"
)

// Event is one line of the monitors view.
type Event struct {
	At   time.Time
	Kind EventKind
	Node term.Atom
	Text string
	// Crash is the event as a crash report: the dump a board printed
	// (EvCrash; erpc's own dumps are marked ERPC), or a process exit
	// seen through a monitor or a link (EvDown, EvExit, reason other
	// than normal). Nil otherwise.
	Crash *crashlog.Event
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

// Module is a module loaded on a node (node/observe's).
type Module = observe.Module

// ModuleList is one poll of a node's module list (node/observe's).
type ModuleList = observe.ModuleList

// LoadOptions tune Code.Load.
type LoadOptions struct {
	// Purge kills the processes still running an old version of a
	// module on BEAM, as c:l/1 does, instead of refusing the load
	// (codeload.Options.Purge).
	Purge bool
}

// Section selects what Observe reads of a node (node/observe's).
type Section = observe.Section

// Snapshot is what Observe read (node/observe's).
type Snapshot = observe.Snapshot

// Trend is the leak watch's view of one node over the session.
type Trend struct {
	Node term.Atom
	// Metrics are the node's series in leak.Metrics order; a figure the
	// node does not report is there with Absent set (never as 0).
	Metrics []leak.Verdict
	// Procs are the processes whose memory grows steadily (the node
	// view's process table feeds them).
	Procs []leak.ProcVerdict
	// Leaking: a metric or a process grows steadily.
	Leaking bool
	// Window is the number of samples a verdict needs; MinGrowth the
	// default threshold (share of the mean over the window).
	Window    int
	MinGrowth float64
}

// FleetBoard is one board of the fleet (devices/fleet's), Up as the
// dashboard sees it now when it knows the board's node.
type FleetBoard = fleet.Board
