package observe_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/observetest"
	"github.com/avmsh/avmsh/vm/term"
)

func fakeBoard() *observetest.AtomVM {
	b := observetest.NewAtomVM("board@serial.local")
	b.SetProc(0, observetest.Proc{Name: "init", Memory: 1200})
	b.SetProc(3, observetest.Proc{Name: "net_kernel", Memory: 2400, MsgQ: 1})
	b.SetProc(7, observetest.Proc{Memory: 800})
	return b
}

// TestAtomVMOverviewGauges: the overview of a board is one system_info
// call; the ESP32 heap items are gauges when the board has them and
// absent (not 0) when it does not.
func TestAtomVMOverviewGauges(t *testing.T) {
	ctx := context.Background()
	b := fakeBoard()
	o := observe.New(observe.Config{Conn: b})
	ov, err := o.Overview(ctx, b.Name)
	if err != nil {
		t.Fatal(err)
	}
	if ov.Kind != "atomvm" || ov.Version != "AtomVM 0.8.0-fake" || ov.ProcCount != 3 || ov.Gauges[observe.GaugeProcessCount] != 3 {
		t.Fatalf("overview: %+v", ov)
	}
	for _, g := range []string{observe.GaugeESP32FreeHeap, observe.GaugeESP32MinFree, observe.GaugeESP32Largest, observe.GaugeMemoryTotal} {
		if v, ok := ov.Gauges[g]; ok {
			t.Errorf("generic board: gauge %s = %d, want absent", g, v)
		}
	}
	if !slices.Contains(ov.Unsupported, observe.GaugeESP32FreeHeap) {
		t.Errorf("unsupported: %v", ov.Unsupported)
	}
	if got := b.Calls(); !slices.Equal(got, []string{"lists:map/2"}) {
		t.Errorf("calls: %v, want one lists:map", got)
	}

	b.SetInfo(observe.GaugeESP32FreeHeap, term.Int(150_000))
	b.SetInfo(observe.GaugeESP32MinFree, term.Int(90_000))
	b.SetInfo(observe.GaugeESP32Largest, term.Int(60_000))
	ov, err = o.Overview(ctx, b.Name)
	if err != nil {
		t.Fatal(err)
	}
	if ov.Gauges[observe.GaugeESP32FreeHeap] != 150_000 || ov.Gauges[observe.GaugeESP32MinFree] != 90_000 ||
		ov.Gauges[observe.GaugeESP32Largest] != 60_000 || ov.Memory["esp_free_heap"] != 150_000 {
		t.Fatalf("esp32 overview: %+v", ov)
	}
	info, err := o.SystemInfo(ctx, b.Name, []term.Atom{observe.GaugeESP32Largest, "esp32_chip_info"})
	if err != nil || len(info) != 1 || info[observe.GaugeESP32Largest] != term.Int(60_000) {
		t.Fatalf("system_info: %v %v", info, err)
	}
	if v := b.Violations(); len(v) > 0 {
		t.Fatalf("calls a board would refuse: %v", v)
	}
}

// TestAtomVMProcessTable: two calls (processes/0, one zipwith), only the
// items AtomVM has; rates over two tables work without reductions.
func TestAtomVMProcessTable(t *testing.T) {
	ctx := context.Background()
	b := fakeBoard()
	o := observe.New(observe.Config{Conn: b})
	t1, err := o.Processes(ctx, b.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(t1.Procs) != 3 || t1.Fields.Has(observe.FieldReductions) {
		t.Fatalf("table: %+v", t1)
	}
	if got := b.Calls(); !slices.Equal(got, []string{"erlang:processes/0", "lists:zipwith/3"}) {
		t.Errorf("calls: %v", got)
	}
	b.SetProc(3, observetest.Proc{Name: "net_kernel", Memory: 2400, MsgQ: 40}) // a queue builds up
	b.SetProc(7, observetest.Proc{Memory: 5000})                               // grows
	b.RemoveProc(0)
	b.SetProc(9, observetest.Proc{Name: "newcomer", Memory: 300})
	t2, err := o.Processes(ctx, b.Name)
	if err != nil {
		t.Fatal(err)
	}
	t2.At = t1.At.Add(time.Second)
	w := observe.Rates(t1, t2)
	observe.SortRates(w.Rows, observe.SortMsgQGrowth)
	if w.Rows[0].Name != "net_kernel" || w.Rows[0].MsgQGrowth != 39 {
		t.Errorf("by mq growth: %+v", w.Rows[0])
	}
	observe.SortRates(w.Rows, observe.SortMemoryDelta)
	if w.Rows[0].Pid != b.Pid(7) || w.Rows[0].MemDelta != 4200 || w.Appeared != 1 || w.Exited != 1 {
		t.Errorf("by memory delta: %+v (%+v)", w.Rows[0], w)
	}
	d, err := o.Process(ctx, b.Pid(3))
	if err != nil || d.Name != "net_kernel" || len(d.Info) == 0 {
		t.Fatalf("details: %+v %v", d, err)
	}
	if _, err := o.Process(ctx, b.Pid(0)); err == nil {
		t.Error("details of an exited process")
	}
	if v := b.Violations(); len(v) > 0 {
		t.Fatalf("calls a board would refuse: %v", v)
	}
}

// TestAtomVMSectionsUnsupported: sections AtomVM cannot answer cost no
// call and are reported as unsupported.
func TestAtomVMSectionsUnsupported(t *testing.T) {
	b := fakeBoard()
	o := observe.New(observe.Config{Conn: b})
	s, err := o.Poll(context.Background(), b.Name, observe.SecETS|observe.SecPorts|observe.SecDist|observe.SecSched|observe.SecApps)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Calls()) != 0 || len(s.Unsupported) != 5 {
		t.Fatalf("calls %v, unsupported %v", b.Calls(), s.Unsupported)
	}
	if _, err := o.Overview(context.Background(), "other@serial.local"); err == nil {
		t.Fatal("overview of a node that is not connected")
	}
}

// TestAtomVMModules: code:all_loaded/0 in one call on boards that have
// it (files unknown); a board without it answers undef once, is
// reported as unsupported and is not asked again until Forget.
func TestAtomVMModules(t *testing.T) {
	ctx := context.Background()
	b := fakeBoard()
	o := observe.New(observe.Config{Conn: b, MaxModules: 2})
	for range 2 {
		s, err := o.Poll(ctx, b.Name, observe.SecModules)
		if err != nil || s.Modules != nil || !slices.Contains(s.Unsupported, "modules") {
			t.Fatalf("old board: %+v %v", s, err)
		}
	}
	if got := b.Calls(); !slices.Equal(got, []string{"code:all_loaded/0"}) {
		t.Fatalf("calls: %v, want one code:all_loaded", got)
	}
	b.SetModules("lists", "hello", "erlang")
	o.Forget(b.Name)
	s, err := o.Poll(ctx, b.Name, observe.SecModules)
	if err != nil || s.Modules == nil || s.Modules.Total != 3 || len(s.Modules.Modules) != 2 ||
		s.Modules.Modules[0] != (observe.Module{Name: "erlang"}) || s.Modules.Modules[1].Name != "hello" {
		t.Fatalf("modules: %+v %v", s.Modules, err)
	}
	if v := b.Violations(); len(v) > 0 {
		t.Fatalf("calls a board would refuse: %v", v)
	}
}
