package observe

import (
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// Section selects what one Poll asks a node. Several sections are read
// in ONE request on a BEAM node (one erl_eval expression); on AtomVM each
// section it answers costs the calls listed in its doc.
type Section uint16

// The sections.
const (
	// SecOverview: memory, counts and limits, versions, uptime; on
	// AtomVM the erlang:system_info/1 items it has (one call).
	SecOverview Section = 1 << iota
	// SecProcs: the process table (AtomVM: erlang:processes/0 and one
	// lists:zipwith call for all pids).
	SecProcs
	// SecETS: ETS tables (BEAM only).
	SecETS
	// SecPorts: ports and inet sockets (BEAM only).
	SecPorts
	// SecDist: distribution connections and their buffers (BEAM only).
	SecDist
	// SecSched: scheduler utilisation counters (BEAM only).
	SecSched
	// SecApps: the application tree (BEAM only; bounded).
	SecApps
	// SecModules: the loaded modules, code:all_loaded/0 (BEAM: in the
	// one request; AtomVM 0.7 and later: one call; the local node: its
	// built-in modules).
	SecModules
)

// Snapshot is what one Poll read from a node.
type Snapshot struct {
	Node term.Atom
	Kind string // node.KindBEAM, KindAtomVM or KindAvmsh
	// At is when the answer arrived (local clock); RTT the request's
	// round trip (the first call's, on nodes answered with several).
	At  time.Time
	RTT time.Duration
	// Clock is the node's own erlang:monotonic_time(microsecond) when
	// it answered (BEAM), 0 when unknown. Rates use it when both
	// samples have it: it does not include the network's jitter.
	Clock int64

	Overview *Overview
	Procs    *ProcTable
	ETS      []ETSTable
	Ports    []PortInfo
	Dist     []DistConn
	Sched    *SchedSample
	Apps     []App
	Modules  *ModuleList
	// Unsupported names the sections and items the node does not
	// report (absent, never shown as 0).
	Unsupported []string
}

// Overview is a node's header: what the dashboard's node view shows
// above the process table and the cluster view's figures.
type Overview struct {
	Node      term.Atom
	Kind      string
	Version   string
	Memory    map[string]int64 // erlang:memory/0 (or what AtomVM offers)
	ProcCount int64
	ProcLimit int64
	AtomCount int64
	AtomLimit int64
	PortCount int64
	PortLimit int64
	// Schedulers and RunQueue (BEAM; AtomVM reports schedulers_online).
	Schedulers int64
	RunQueue   int64
	Uptime     time.Duration
	RTT        time.Duration
	// Gauges are the leak watch's figures, only those the node answered
	// (see the Gauge* names): an item that is not here is absent.
	Gauges map[string]int64
	// Unsupported is what the node did not answer.
	Unsupported []string
}

// Gauge names (keys of Overview.Gauges).
const (
	GaugeMemoryTotal   = "memory_total"
	GaugeProcessCount  = "process_count"
	GaugeESP32FreeHeap = "esp32_free_heap_size"
	GaugeESP32MinFree  = "esp32_minimum_free_size"
	GaugeESP32Largest  = "esp32_largest_free_block"
)

// Proc is one row of a process table.
type Proc struct {
	Pid        term.Pid
	Name       string // registered name
	Memory     int64
	MsgQ       int64
	Reductions int64
	Current    string // Mod:Fun/Arity
	Status     string
}

// Fields says which columns of a process table a node reports (name,
// memory and message queue always).
type Fields uint8

// The optional columns.
const (
	FieldReductions Fields = 1 << iota
	FieldCurrent
	FieldStatus
)

// Has reports whether f includes g.
func (f Fields) Has(g Fields) bool { return f&g == g }

// ProcTable is a process table read at one moment.
type ProcTable struct {
	Node  term.Atom
	At    time.Time // when it arrived (local clock)
	Clock int64     // the node's monotonic time in µs, 0 when unknown
	// Fields are the columns the node reports; Procs the rows (at most
	// Config.MaxProcs).
	Fields Fields
	Procs  []Proc
}

// ProcDetail is one process opened from the table.
type ProcDetail struct {
	Proc
	Info []term.Term // process_info/1 as {Key, Value} tuples
}

// ETSTable is one ETS table.
type ETSTable struct {
	ID         string // the table identifier as the node prints it
	Name       string
	Size       int64 // objects
	Memory     int64 // bytes
	Owner      term.Pid
	OwnerName  string
	Type       string // set, ordered_set, bag, duplicate_bag
	Protection string // public, protected, private
}

// PortInfo is one port; inet sockets carry their addresses.
type PortInfo struct {
	Port      term.Port
	Name      string // the driver ("tcp_inet", "forker", a spawn command)
	Connected term.Term
	Input     int64 // bytes read
	Output    int64 // bytes written
	Memory    int64
	Queue     int64 // bytes queued for output
	// Local and Remote are the socket addresses of inet ports
	// ("127.0.0.1:4369"); empty when not a socket or not connected.
	Local, Remote string
}

// DistConn is one distribution connection of a node, as the node sees it.
type DistConn struct {
	Node term.Atom
	Type string // visible or hidden
	// Controller is the port (TCP) or process (TLS, other carriers)
	// that carries the connection.
	Controller term.Term
	Address    string
	// In and Out are messages received and sent (net_kernel's counts,
	// from erlang:dist_get_stat/1).
	In, Out int64
	// Queue is the bytes waiting in the output buffer (port queue);
	// BusyLimit the size at which senders are suspended
	// (dist_buf_busy_limit).
	Queue     int64
	BusyLimit int64
	// RecvBytes, SentBytes and SendPending come from inet:getstat/2 on
	// a TCP controller; MsgQ is a process controller's mailbox.
	RecvBytes, SentBytes, SendPending int64
	MsgQ                              int64
}

// SchedSample holds the counters scheduler utilisation is computed from
// (Utilisation takes two).
type SchedSample struct {
	Online int64
	// WallTime is erlang:statistics(scheduler_wall_time_all) (normal,
	// dirty CPU and dirty I/O schedulers, by id), nil when the node's
	// scheduler_wall_time flag is off (avmsh never turns it on).
	WallTime []SchedTime
	// Runtime is erlang:statistics(runtime)'s total CPU time of the VM
	// in ms and Wall the node's wall clock in ms: the fallback.
	Runtime, Wall int64
	// RunQueue is the total run queue length.
	RunQueue int64
}

// SchedTime is one scheduler's {Id, ActiveTime, TotalTime}.
type SchedTime struct{ ID, Active, Total int64 }

// App is one running application with its supervision tree.
type App struct {
	Name        string
	Description string
	Version     string
	// Sup is the top supervisor (nil for library applications).
	Sup *SupNode
}

// SupNode is a supervisor or worker in an application's tree.
type SupNode struct {
	ID   string
	Pid  term.Term // a pid, or undefined/restarting
	Type string    // supervisor or worker
	// Children of a supervisor, at most Config.MaxChildren of them;
	// Total is how many it has; Cut is set when the depth or node
	// budget stopped the walk here.
	Children []*SupNode
	Total    int
	Cut      bool
}

// Module is a module loaded on a node.
type Module struct {
	Name string
	// File is where the node loaded it from, as code:all_loaded/0 says:
	// a path, "preloaded", "cover_compiled"; "" when the node does not
	// tell (AtomVM answers undefined).
	File string
}

// ModuleList is a node's loaded modules.
type ModuleList struct {
	// Modules are sorted by name; there are at most Config.MaxModules.
	Modules []Module
	// Total is how many modules the node has loaded.
	Total int
}
