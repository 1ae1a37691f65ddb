package source

import (
	"context"
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
)

// NodeRow is one line of the cluster view.
type NodeRow struct {
	Name      term.Atom
	Kind      string // beam, atomvm, avmsh, serial board
	Transport string // tcp, tls, serial
	Where     string // host:port, or the serial device
	State     NodeState
	Since     time.Time
	Version   string
	Procs     int64
	Memory    int64
	Uptime    time.Duration
	RTT       time.Duration
	Err       string
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

// Source is everything the views read and do.
type Source interface {
	// LocalName is the TUI's own node.
	LocalName() term.Atom
	// Cluster lists every known node with its latest figures.
	Cluster(ctx context.Context) ([]NodeRow, error)
	// Overview and Processes poll one node.
	Overview(ctx context.Context, node term.Atom) (Overview, error)
	Processes(ctx context.Context, node term.Atom) ([]Proc, error)
	Process(ctx context.Context, pid term.Pid) (ProcDetail, error)
	// Connect and Disconnect manage connections.
	Connect(ctx context.Context, node string) (term.Atom, error)
	Disconnect(node term.Atom) error
	// Exit sends an exit signal; Monitor adds a monitor whose DOWN
	// appears as an event; Send sends a message.
	Exit(ctx context.Context, pid term.Pid, reason term.Term) error
	Monitor(ctx context.Context, target term.Term) error
	Send(ctx context.Context, dest, msg term.Term) error
	// Events delivers monitor events until ctx ends.
	Events() <-chan Event
	// Devices lists serial ports; Reset resets the board on an open
	// port through DTR/RTS (ESP32 auto-reset circuits, USB-JTAG).
	Devices(ctx context.Context) ([]Device, error)
	Reset(ctx context.Context, path string) error
	// Eval runs shell commands on node (avmsh's evaluator).
	Eval(ctx context.Context, node term.Atom, src string) (string, int, error)
	// RemoteShell starts OTP's own shell on a BEAM node with t as its
	// terminal; other nodes get ErrNoRemoteShell (use Eval).
	RemoteShell(ctx context.Context, node term.Atom, t Terminal) (RemoteShell, error)
}
