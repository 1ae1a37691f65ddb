package observe_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/vm/term"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// obsModule gives the erl node a process that burns reductions, one
// whose queue grows (fed by another), an ETS table and an application
// with a two-level supervision tree.
const obsModule = `-module(obs).
-export([burn/0, hoard/0, feed/1, keeper/0, start/2, stop/1, init/1, start_link/0, loop/0]).
burn() -> _ = lists:sum(lists:seq(1, 3000)), receive after 1 -> burn() end.
hoard() -> receive never_sent -> ok end.
feed(P) -> P ! {junk, erlang:monotonic_time()}, receive after 1 -> feed(P) end.
keeper() ->
    ets:new(obs_table, [named_table, public, set]),
    ets:insert(obs_table, [{I, I} || I <- lists:seq(1, 100)]),
    receive stop -> ok end.
start(_, _) -> supervisor:start_link({local, obs_sup}, ?MODULE, top).
stop(_) -> ok.
init(top) ->
    {ok, {#{strategy => one_for_one},
          [#{id => worker_sup, type => supervisor,
             start => {supervisor, start_link, [{local, obs_worker_sup}, ?MODULE, workers]}}]}};
init(workers) -> {ok, {#{strategy => one_for_one}, [#{id => idle, start => {obs, start_link, []}}]}}.
start_link() -> {ok, spawn_link(fun loop/0)}.
loop() -> receive _ -> loop() end.
`

// countingConn counts the requests an observer makes.
type countingConn struct {
	observe.Conn
	n atomic.Int64
}

func (c *countingConn) Call(ctx context.Context, n, m, f term.Atom, args []term.Term) (term.Term, error) {
	c.n.Add(1)
	return c.Conn.Call(ctx, n, m, f, args)
}

// startErl starts an erl node with obsModule loaded and busy, and a
// local avmsh node connected to it.
func startErl(t *testing.T) (*erltest.Node, *node.Node) {
	t.Helper()
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"obs": obsModule}})
	e.Eval(t, `register(burner, spawn(obs, burn, [])), register(hoarder, spawn(obs, hoard, [])),
		spawn(obs, feed, [whereis(hoarder)]), register(keeper, spawn(obs, keeper, []))`)
	e.Eval(t, `ok = application:load({application, obs_demo, [{description, "observe demo"}, {vsn, "1.2.3"},
		{modules, [obs]}, {registered, []}, {applications, [kernel, stdlib]}, {mod, {obs, []}}]}),
		ok = application:start(obs_demo)`)
	e.Eval(t, `{ok, ObsListen} = gen_tcp:listen(0, [{ip, {127,0,0,1}}])`)
	n, err := node.Start(context.Background(), node.Config{
		Name: erltest.RandomName("obs") + "@127.0.0.1", Cookie: e.Cookie, ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: e.EpmdPort}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Connect(ctx, term.Atom(e.Name)); err != nil {
		t.Fatal(err)
	}
	return e, n
}

// TestRatesAgainstErl: over a real interval on a real node, the top row
// by reductions/s is the process burning reductions and the top row by
// queue growth the one whose mailbox is fed; a refresh is one request.
func TestRatesAgainstErl(t *testing.T) {
	e, n := startErl(t)
	target := term.Atom(e.Name)
	conn := &countingConn{Conn: observe.NodeConn{N: n}}
	o := observe.New(observe.Config{Node: n, Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	first, err := o.Poll(ctx, target, observe.SecOverview|observe.SecProcs)
	if err != nil {
		t.Fatal(err)
	}
	if first.Procs == nil || first.Overview == nil || first.Clock == 0 {
		t.Fatalf("first poll: %+v", first)
	}
	time.Sleep(time.Second) // the measured interval, not synchronisation
	calls := conn.n.Load()
	second, err := o.Poll(ctx, target, observe.SecOverview|observe.SecProcs)
	if err != nil {
		t.Fatal(err)
	}
	if got := conn.n.Load() - calls; got != 1 {
		t.Errorf("a refresh made %d requests, want 1", got)
	}
	w := observe.Rates(*first.Procs, *second.Procs)
	if w.Interval < 900*time.Millisecond {
		t.Errorf("interval %v from the node's clock", w.Interval)
	}
	observe.SortRates(w.Rows, observe.SortRedsRate)
	if w.Rows[0].Name != "burner" || w.Rows[0].RedsRate <= 0 {
		t.Errorf("top by reductions/s: %+v, then %+v", w.Rows[0], w.Rows[1])
	}
	observe.SortRates(w.Rows, observe.SortMsgQGrowth)
	if w.Rows[0].Name != "hoarder" || w.Rows[0].MsgQGrowth <= 0 {
		t.Errorf("top by queue growth: %+v, then %+v", w.Rows[0], w.Rows[1])
	}
	for _, r := range second.Procs.Procs {
		if r.Status == "running" && strings.HasPrefix(r.Current, "erl_eval:") {
			t.Errorf("the poll's own process is in the table: %+v", r)
		}
	}
	ov := second.Overview
	if !strings.HasPrefix(ov.Version, "OTP ") || ov.Gauges[observe.GaugeMemoryTotal] <= 0 || ov.Gauges[observe.GaugeProcessCount] < 10 || ov.Uptime <= 0 {
		t.Errorf("overview: %+v", ov)
	}
	// erl has no ESP32 heap items: absent, never 0.
	for _, g := range []string{observe.GaugeESP32FreeHeap, observe.GaugeESP32MinFree, observe.GaugeESP32Largest} {
		if v, ok := ov.Gauges[g]; ok {
			t.Errorf("erl gauge %s = %d, want absent", g, v)
		}
	}
	// Asked directly, erl answers badarg for them: absent too.
	info, err := o.SystemInfo(ctx, target, []term.Atom{observe.GaugeESP32FreeHeap, "process_count", observe.GaugeESP32Largest})
	if err != nil || len(info) != 1 || info["process_count"] == nil {
		t.Errorf("system_info: %v %v", info, err)
	}
	// Details of one process.
	var burner term.Pid
	for _, r := range w.Rows {
		if r.Name == "burner" {
			burner = r.Pid
		}
	}
	if d, err := o.Process(ctx, burner); err != nil || d.Name != "burner" || len(d.Info) < 5 {
		t.Errorf("details: %+v %v", d, err)
	}
}

// TestSectionsAgainstErl: ETS tables, ports and sockets, distribution
// connections, scheduler utilisation (both methods) and the application
// tree of a real node, each refresh one request.
func TestSectionsAgainstErl(t *testing.T) {
	e, n := startErl(t)
	target := term.Atom(e.Name)
	conn := &countingConn{Conn: observe.NodeConn{N: n}}
	o := observe.New(observe.Config{Node: n, Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := observe.SecETS | observe.SecPorts | observe.SecDist | observe.SecSched | observe.SecApps | observe.SecModules
	s1, err := o.Poll(ctx, target, all)
	if err != nil || len(s1.Unsupported) > 0 {
		t.Fatalf("poll: %v %v", err, s1.Unsupported)
	}
	if m := s1.Modules; m == nil || m.Total < 20 || !slices.ContainsFunc(m.Modules, func(md observe.Module) bool { return md.Name == "obs" }) ||
		!slices.ContainsFunc(m.Modules, func(md observe.Module) bool { return md.Name == "erlang" && md.File == "preloaded" }) ||
		!slices.IsSortedFunc(m.Modules, func(a, b observe.Module) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("modules: %+v", s1.Modules)
	}
	// Strings from the node (code:all_loaded/0 paths, application
	// descriptions) arrive as term.Chars: read as text, not printed as
	// Erlang strings.
	if s1.Modules != nil {
		j := slices.IndexFunc(s1.Modules.Modules, func(md observe.Module) bool { return md.Name == "lists" })
		if j < 0 || !strings.HasPrefix(s1.Modules.Modules[j].File, "/") || !strings.HasSuffix(s1.Modules.Modules[j].File, "/lists.beam") {
			t.Errorf("lists' file is not its path (module %d of %d)", j, len(s1.Modules.Modules))
			if j >= 0 {
				t.Errorf("lists: %+v", s1.Modules.Modules[j])
			}
		}
	}
	i := slices.IndexFunc(s1.ETS, func(tb observe.ETSTable) bool { return tb.Name == "obs_table" })
	if i < 0 || s1.ETS[i].Size != 100 || s1.ETS[i].Memory <= 0 || s1.ETS[i].OwnerName != "keeper" || s1.ETS[i].Type != "set" || s1.ETS[i].Protection != "public" {
		t.Errorf("ets: %+v", s1.ETS)
	}
	if !slices.ContainsFunc(s1.Ports, func(p observe.PortInfo) bool {
		return p.Name == "tcp_inet" && strings.HasPrefix(p.Local, "127.0.0.1:") && p.Remote == ""
	}) {
		t.Errorf("ports lack the listening socket: %+v", s1.Ports)
	}
	i = slices.IndexFunc(s1.Dist, func(d observe.DistConn) bool { return d.Node == n.Name() })
	if i < 0 || s1.Dist[i].Type != "hidden" || s1.Dist[i].Out <= 0 || s1.Dist[i].RecvBytes <= 0 || s1.Dist[i].BusyLimit <= 0 ||
		!strings.HasPrefix(s1.Dist[i].Address, "127.0.0.1:") {
		t.Errorf("dist: %+v", s1.Dist)
	}
	i = slices.IndexFunc(s1.Apps, func(a observe.App) bool { return a.Name == "obs_demo" })
	if i < 0 || s1.Apps[i].Version != "1.2.3" || s1.Apps[i].Description != "observe demo" || s1.Apps[i].Sup == nil {
		t.Fatalf("apps: %+v", s1.Apps)
	}
	top := s1.Apps[i].Sup
	if len(top.Children) != 1 || top.Children[0].ID != "worker_sup" || len(top.Children[0].Children) != 1 ||
		top.Children[0].Children[0].ID != "idle" || top.Children[0].Children[0].Type != "worker" {
		t.Errorf("tree: %+v / %+v", top, top.Children)
	}
	if !slices.ContainsFunc(s1.Apps, func(a observe.App) bool { return a.Name == "kernel" && a.Sup != nil && len(a.Sup.Children) > 0 }) {
		t.Errorf("kernel's tree missing: %+v", s1.Apps)
	}
	if s1.Sched == nil || s1.Sched.Online <= 0 || s1.Sched.WallTime != nil {
		t.Fatalf("sched (flag off): %+v", s1.Sched)
	}
	calls := conn.n.Load()
	s2, err := o.Poll(ctx, target, all)
	if err != nil {
		t.Fatal(err)
	}
	if got := conn.n.Load() - calls; got != 1 {
		t.Errorf("a refresh made %d requests, want 1", got)
	}
	u, ok := observe.SchedUtilisation(s1.Sched, s2.Sched)
	if !ok || u.Method != "runtime" || u.Total < 0 || u.Total > 1 {
		t.Errorf("runtime utilisation: %+v %v (%+v → %+v)", u, ok, s1.Sched, s2.Sched)
	}
	// Someone else (observer, recon) turned scheduler_wall_time on:
	// the exact method is used.
	e.Eval(t, `erlang:system_flag(scheduler_wall_time, true)`)
	s3, err := o.Poll(ctx, target, observe.SecSched)
	if err != nil || s3.Sched == nil || len(s3.Sched.WallTime) == 0 {
		t.Fatalf("sched (flag on): %+v %v", s3.Sched, err)
	}
	time.Sleep(200 * time.Millisecond) // the measured interval
	s4, err := o.Poll(ctx, target, observe.SecSched)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := observe.SchedUtilisation(s3.Sched, s4.Sched); !ok || u.Method != "scheduler_wall_time" || len(u.PerScheduler) != int(s4.Sched.Online) || u.Total <= 0 {
		t.Errorf("wall-time utilisation: %+v %v", u, ok)
	}
}

// atomVMConn is a real node's Conn that says the node is AtomVM, so that
// the calls meant for boards (lists:map over system_info/1) reach erl,
// whose answers are encoded by OTP itself.
type atomVMConn struct{ observe.NodeConn }

func (atomVMConn) Kind(term.Atom) (string, bool) { return node.KindAtomVM, true }

// TestSystemInfoIntegersAgainstErl: system_info items that all answer
// integers come back from OTP as one list of integers, which OTP encodes
// as STRING_EXT (below 256) or a LIST_EXT that decodes to a term.Chars;
// both the BEAM request (one erl_eval) and the AtomVM one (lists:map)
// must read it as the list it is.
func TestSystemInfoIntegersAgainstErl(t *testing.T) {
	e, n := startErl(t)
	target := term.Atom(e.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	items := []term.Atom{"process_count", "schedulers_online", "atom_count"}
	for _, c := range []observe.Conn{observe.NodeConn{N: n}, atomVMConn{observe.NodeConn{N: n}}} {
		kind, _ := c.Kind(target)
		o := observe.New(observe.Config{Node: n, Conn: c})
		info, err := o.SystemInfo(ctx, target, items)
		if err != nil {
			t.Fatalf("%s: system_info: %v", kind, err)
		}
		if len(info) != len(items) || intOrZero(info["process_count"]) < 10 || intOrZero(info["schedulers_online"]) < 1 ||
			intOrZero(info["atom_count"]) < 1000 {
			t.Errorf("%s: system_info: %v", kind, info)
		}
	}
}

func intOrZero(t term.Term) int64 {
	i, _ := t.(term.Int)
	return int64(i)
}
