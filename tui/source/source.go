package source

import (
	"context"

	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/vm/term"
)

// The data the dashboard reads and the actions it takes, one interface
// per concern: each view depends on the ones it uses (the cluster view
// on Nodes and Connections, the node view on Inspector, Signals and
// Code...), and Source, all of them, is what the app is given. Live
// implements every one.

// Nodes is the cluster: the dashboard's own node and the nodes it knows.
type Nodes interface {
	// LocalName is the dashboard's own node.
	LocalName() term.Atom
	// Cluster lists every known node with its latest figures.
	Cluster(ctx context.Context) ([]NodeRow, error)
}

// Connections connects to nodes and drops connections.
type Connections interface {
	// Connect connects to a node name ("app" is completed with the
	// host), or a board on "serial:PORT", and returns the node's name.
	Connect(ctx context.Context, node string) (term.Atom, error)
	Disconnect(node term.Atom) error
}

// Inspector reads one node: its overview and its processes.
type Inspector interface {
	Overview(ctx context.Context, node term.Atom) (Overview, error)
	Processes(ctx context.Context, node term.Atom) ([]Proc, error)
	Process(ctx context.Context, pid term.Pid) (ProcDetail, error)
}

// Signals acts on processes from the dashboard's watcher process.
type Signals interface {
	// Exit sends an exit signal.
	Exit(ctx context.Context, pid term.Pid, reason term.Term) error
	// Monitor adds a monitor whose DOWN arrives as an event.
	Monitor(ctx context.Context, target term.Term) error
	// Send sends a message (replies arrive as events).
	Send(ctx context.Context, dest, msg term.Term) error
}

// EventFeed delivers what happens: nodeup/nodedown, DOWN and EXIT
// signals and messages to the watcher.
type EventFeed interface {
	Events() <-chan Event
}

// Boards are the serial ports and the boards on them.
type Boards interface {
	// Devices lists serial ports, with the console of those avmsh has
	// open.
	Devices(ctx context.Context) ([]Device, error)
	// Reset resets the board on an open port through DTR/RTS (ESP32
	// auto-reset circuits, USB-JTAG).
	Reset(ctx context.Context, path string) error
}

// Shells runs shells on nodes.
type Shells interface {
	// RemoteShell starts node's shell with t as its terminal: the
	// session of package shellsession that `avmsh shell` runs (OTP's own
	// shell on a BEAM node, avmsh's evaluator on AtomVM and avmsh
	// nodes). The RemoteShell of Live also is a ShellSession.
	RemoteShell(ctx context.Context, node term.Atom, t Terminal) (RemoteShell, error)
}

// Code lists a node's modules and loads new code into it, with
// node/codeload (what `avmsh load` uses).
type Code interface {
	// Modules lists the modules loaded on node (code:all_loaded/0),
	// sorted by name and bounded.
	Modules(ctx context.Context, node term.Atom) (ModuleList, error)
	// Load loads the modules of .beam files and directories into node:
	// one result per module. Files that are not loadable modules give
	// an error and nothing is sent.
	Load(ctx context.Context, node term.Atom, paths []string, o LoadOptions) ([]codeload.Result, error)
}

// Observer reads sections of a node with node/observe, the package
// `avmsh top` uses: the node view's overview and the table on screen in
// one request per refresh (BEAM), the few calls AtomVM answers on
// boards, and nothing for a section the node cannot answer (listed in
// Snapshot.Unsupported). What it reads feeds the leak watch.
type Observer interface {
	Observe(ctx context.Context, node term.Atom, secs Section) (Snapshot, error)
}

// Trends is the leak watch: per-node time series sampled from the
// overviews the dashboard polls (no request of its own).
type Trends interface {
	// Trend is node's series and verdicts (empty for a node never
	// sampled).
	Trend(node term.Atom) Trend
}

// Fleet lists the boards avmsh knows across runs (devices/fleet).
type Fleet interface {
	// Fleet reads the fleet, boards whose AtomVM version differs from
	// the others' marked (VersionDiffers).
	Fleet(ctx context.Context) ([]FleetBoard, error)
}

// Source is everything the dashboard reads and does.
type Source interface {
	Nodes
	Connections
	Inspector
	Signals
	EventFeed
	Boards
	Shells
	Code
	Observer
	Trends
}

// Live implements every concern.
var (
	_ Source = (*Live)(nil)
	_ Fleet  = (*Live)(nil)
)
