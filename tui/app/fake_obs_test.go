package app_test

import (
	"context"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// fakeObs is the fake source's node/observe side: sections served from
// the fake's tables, whose counters move by one second of their rates at
// each Observe of a node (the process table's reductions, memory and
// queues, the ports' and connections' bytes, the schedulers' runtime).
type fakeObs struct {
	mu      sync.Mutex
	polls   map[term.Atom]int
	secs    []observe.Section // asked, in order
	leaks   *leak.Watch       // the Trend of every node (nil: no samples)
	esp32   bool              // the board is an AtomVM ESP32 board
	fleet   func() ([]source.FleetBoard, error)
	onCrash func()
}

// t0 is the fake's clock at its first poll.
var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// moves are the fake processes' rates, by pid number: per second,
// reductions, memory (bytes) and message queue.
var moves = map[uint32]struct{ reds, mem, mq int64 }{
	0:  {0, 0, 25},     // init: its queue grows
	50: {200, 8192, 0}, // code_server: memory grows
	61: {30000, 0, 0},  // net_kernel: burns reductions
	90: {10, 0, 0},     // the busy worker: many reductions in total, few now
}

func (f *fakeSource) observed() *fakeObs {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.obs == nil {
		f.obs = &fakeObs{polls: map[term.Atom]int{}}
	}
	return f.obs
}

// sectionsAsked lists the sections of every Observe so far.
func (f *fakeSource) sectionsAsked() []observe.Section {
	o := f.observed()
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]observe.Section(nil), o.secs...)
}

func (f *fakeSource) Observe(ctx context.Context, n term.Atom, secs source.Section) (source.Snapshot, error) {
	o := f.observed()
	o.mu.Lock()
	k := o.polls[n]
	o.polls[n]++
	o.secs = append(o.secs, secs)
	esp32 := o.esp32 && n == board
	o.mu.Unlock()
	at := t0.Add(time.Duration(k) * time.Second)
	s := source.Snapshot{Node: n, Kind: "beam", At: at, Clock: int64(k) * 1e6, RTT: time.Millisecond}
	if esp32 {
		s.Kind, s.Clock = "atomvm", 0
	}
	if secs&observe.SecOverview != 0 {
		ov, _ := f.Overview(ctx, n)
		ov.Gauges = map[string]int64{observe.GaugeMemoryTotal: ov.Memory["total"], observe.GaugeProcessCount: ov.ProcCount}
		if esp32 {
			ov = source.Overview{Node: n, Kind: "atomvm", Version: "AtomVM 0.6.5", ProcCount: 7, Schedulers: 1, RTT: 31 * time.Millisecond,
				Memory: map[string]int64{"esp_free_heap": 120_000}, Unsupported: []string{"memory"},
				Gauges: map[string]int64{observe.GaugeProcessCount: 7, observe.GaugeESP32FreeHeap: 120_000,
					observe.GaugeESP32MinFree: 98_000, observe.GaugeESP32Largest: 60_000}}
		}
		s.Overview = &ov
	}
	if secs&observe.SecProcs != 0 {
		ps, _ := f.Processes(ctx, n)
		t := &observe.ProcTable{Node: n, At: at, Clock: s.Clock, Fields: observe.FieldReductions | observe.FieldCurrent | observe.FieldStatus}
		for _, p := range ps {
			mv := moves[p.Pid.ID]
			p.Reductions += mv.reds * int64(k)
			p.Memory += mv.mem * int64(k)
			p.MsgQ += mv.mq * int64(k)
			if esp32 {
				p.Reductions, p.Current, p.Status = 0, "", ""
			}
			t.Procs = append(t.Procs, p)
		}
		if esp32 {
			t.Fields = 0
		}
		s.Procs = t
	}
	if secs&observe.SecModules != 0 {
		l, err := f.Modules(ctx, n)
		if err != nil {
			return s, err
		}
		s.Modules = &l
	}
	const beamOnly = observe.SecETS | observe.SecPorts | observe.SecDist | observe.SecSched | observe.SecApps
	if esp32 {
		for _, sec := range []observe.Section{observe.SecETS, observe.SecPorts, observe.SecDist, observe.SecSched, observe.SecApps} {
			if secs&sec != 0 {
				s.Unsupported = append(s.Unsupported, sec.String())
			}
		}
		return s, nil
	}
	if secs&beamOnly != 0 {
		fakeSections(&s, n, int64(k))
	}
	return s, nil
}

// fakeSections fills the observer_cli-like sections of a BEAM node.
func fakeSections(s *source.Snapshot, n term.Atom, k int64) {
	s.ETS = []observe.ETSTable{
		{ID: "ac_tab", Name: "ac_tab", Size: 60, Memory: 12 << 10, Owner: pid(n, 44), OwnerName: "application_controller", Type: "set", Protection: "protected"},
		{ID: "#Ref<0.1.2.3>", Name: "sessions", Size: 5000 + 100*k, Memory: (900 << 10) + 10240*k, Owner: pid(n, 120), Type: "ordered_set", Protection: "public"},
		{ID: "code", Name: "code", Size: 500, Memory: 80 << 10, Owner: pid(n, 50), OwnerName: "code_server", Type: "set", Protection: "private"},
	}
	s.Ports = []observe.PortInfo{
		{Port: term.Port{Node: n, ID: 0, Creation: 1}, Name: "forker", Connected: pid(n, 0), Memory: 480},
		{Port: term.Port{Node: n, ID: 6, Creation: 1}, Name: "tcp_inet", Connected: pid(n, 61), Input: 40960 + 2048*k, Output: 81920 + 4096*k,
			Memory: 1200, Queue: 0, Local: "127.0.0.1:40433", Remote: "127.0.0.1:52210"},
		{Port: term.Port{Node: n, ID: 9, Creation: 1}, Name: "tcp_inet", Connected: pid(n, 130), Memory: 900, Queue: 65536, Local: "0.0.0.0:8080"},
	}
	s.Dist = []observe.DistConn{
		{Node: local, Type: "hidden", Controller: term.Port{Node: n, ID: 6, Creation: 1}, Address: "127.0.0.1:52210", In: 120 + k, Out: 130 + k,
			Queue: 0, BusyLimit: 1 << 20, SentBytes: 81920 + 4096*k, RecvBytes: 40960 + 2048*k},
		{Node: "app2@127.0.0.1", Type: "visible", Controller: pid(n, 140), Address: "127.0.0.1:49011", In: 4000, Out: 9000,
			BusyLimit: 1 << 20, MsgQ: 12},
	}
	s.Sched = &observe.SchedSample{Online: 2, Runtime: 300 * k, Wall: 1000 * k, RunQueue: 1}
	sup := &observe.SupNode{ID: "kernel", Pid: pid(n, 45), Type: "supervisor", Total: 2, Children: []*observe.SupNode{
		{ID: "code_server", Pid: pid(n, 50), Type: "worker"},
		{ID: "kernel_safe_sup", Pid: pid(n, 57), Type: "supervisor", Total: 0},
	}}
	s.Apps = []observe.App{
		{Name: "kernel", Description: "ERTS  CXC 138 10", Version: "8.5", Sup: sup},
		{Name: "stdlib", Description: "ERTS  CXC 138 10", Version: "4.2"},
	}
}

// Trend is the leak watch of the fake's series (none unless a test fed
// some).
func (f *fakeSource) Trend(n term.Atom) source.Trend {
	o := f.observed()
	o.mu.Lock()
	w := o.leaks
	o.mu.Unlock()
	if w == nil {
		return source.Trend{Node: n}
	}
	return source.TrendOf(w, n)
}

// Fleet is the fleet the test set up.
func (f *fakeSource) Fleet(context.Context) ([]source.FleetBoard, error) {
	o := f.observed()
	if o.fleet == nil {
		return nil, nil
	}
	return o.fleet()
}
