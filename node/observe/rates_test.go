package observe

import (
	"math"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

func pid(id uint32) term.Pid { return term.NewPid("n@h", id, 0, 1) }

func table(at time.Time, clock int64, ps ...Proc) ProcTable {
	return ProcTable{Node: "n@h", At: at, Clock: clock, Fields: FieldReductions | FieldCurrent | FieldStatus, Procs: ps}
}

func rowOf(t *testing.T, w Window, id uint32) ProcRate {
	t.Helper()
	for _, r := range w.Rows {
		if r.Pid == pid(id) {
			return r
		}
	}
	t.Fatalf("no row for pid %d in %+v", id, w.Rows)
	return ProcRate{}
}

func TestRatesAppearedExitedReused(t *testing.T) {
	t0 := time.Unix(1000, 0)
	prev := table(t0, 0,
		Proc{Pid: pid(1), Name: "steady", Reductions: 1000, Memory: 500, MsgQ: 2},
		Proc{Pid: pid(2), Name: "leaving", Reductions: 50, Memory: 900},
		Proc{Pid: pid(3), Reductions: 9000, Memory: 100}, // its pid is reused below
	)
	cur := table(t0.Add(2*time.Second), 0,
		Proc{Pid: pid(1), Name: "steady", Reductions: 5000, Memory: 300, MsgQ: 7},
		Proc{Pid: pid(3), Reductions: 10, Memory: 200},
		Proc{Pid: pid(4), Name: "newcomer", Reductions: 600, Memory: 1000, MsgQ: 1},
	)
	w := Rates(prev, cur)
	if w.Interval != 2*time.Second || w.Appeared != 2 || w.Exited != 1 || len(w.Rows) != 4 {
		t.Fatalf("window: %+v", w)
	}
	if r := rowOf(t, w, 1); r.New || r.Gone || r.RedsRate != 2000 || r.MemDelta != -200 || r.MsgQGrowth != 5 {
		t.Errorf("steady: %+v", r)
	}
	if r := rowOf(t, w, 3); !r.New || r.RedsRate != 5 || r.MemDelta != 200 {
		t.Errorf("reused pid counts from zero: %+v", r)
	}
	if r := rowOf(t, w, 4); !r.New || r.RedsRate != 300 || r.MemDelta != 1000 || r.MsgQGrowth != 1 {
		t.Errorf("newcomer: %+v", r)
	}
	if r := rowOf(t, w, 2); !r.Gone || r.RedsRate != 0 || r.Name != "leaving" || r.Memory != 900 {
		t.Errorf("exited: %+v", r)
	}
	// Exited processes sort last whatever the key.
	for _, k := range SortKeys {
		rows := append([]ProcRate(nil), w.Rows...)
		SortRates(rows, k)
		if !rows[len(rows)-1].Gone {
			t.Errorf("%s: exited row not last: %+v", k, rows)
		}
	}
}

func TestRatesUseNodeClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	// The answers arrived 3 s apart (a slow network) but the node's own
	// clock says 1 s: rates use the node's clock.
	prev := table(t0, 5_000_000, Proc{Pid: pid(1), Reductions: 0})
	cur := table(t0.Add(3*time.Second), 6_000_000, Proc{Pid: pid(1), Reductions: 100})
	if w := Rates(prev, cur); w.Interval != time.Second || w.Rows[0].RedsRate != 100 {
		t.Fatalf("%+v", w)
	}
	// Without a clock on one side: arrival times.
	cur.Clock = 0
	if w := Rates(prev, cur); w.Interval != 3*time.Second || math.Abs(w.Rows[0].RedsRate-33.33) > 0.01 {
		t.Fatalf("%+v", w)
	}
}

func TestRatesWithoutReductions(t *testing.T) {
	// AtomVM: no reductions column. A shrinking process is not "new",
	// and the reds rate stays 0.
	t0 := time.Unix(1000, 0)
	prev := ProcTable{At: t0, Procs: []Proc{{Pid: pid(1), Memory: 800, MsgQ: 3}}}
	cur := ProcTable{At: t0.Add(time.Second), Procs: []Proc{{Pid: pid(1), Memory: 600, MsgQ: 9}}}
	w := Rates(prev, cur)
	r := w.Rows[0]
	if w.Fields.Has(FieldReductions) || r.New || r.RedsRate != 0 || r.MemDelta != -200 || r.MsgQGrowth != 6 {
		t.Fatalf("%+v %+v", w, r)
	}
}

func TestSortRatesEveryKey(t *testing.T) {
	rows := []ProcRate{
		{Proc: Proc{Pid: pid(1), Name: "b", Reductions: 10, Memory: 30, MsgQ: 1}, RedsRate: 5, MemDelta: -10, MsgQGrowth: 0},
		{Proc: Proc{Pid: pid(2), Name: "", Reductions: 30, Memory: 10, MsgQ: 9}, RedsRate: 1, MemDelta: 50, MsgQGrowth: -2},
		{Proc: Proc{Pid: pid(3), Name: "a", Reductions: 20, Memory: 20, MsgQ: 4}, RedsRate: 9, MemDelta: 0, MsgQGrowth: 7},
	}
	want := map[SortKey][]uint32{
		SortRedsRate: {3, 1, 2}, SortReds: {2, 3, 1}, SortMemory: {1, 3, 2}, SortMemoryDelta: {2, 3, 1},
		SortMsgQ: {2, 3, 1}, SortMsgQGrowth: {3, 1, 2}, SortName: {3, 1, 2}, SortPid: {1, 2, 3},
	}
	for _, k := range SortKeys {
		rs := append([]ProcRate(nil), rows...)
		SortRates(rs, k)
		for i, id := range want[k] {
			if rs[i].Pid.ID != id {
				t.Errorf("%s: order %v, want %v", k, []uint32{rs[0].Pid.ID, rs[1].Pid.ID, rs[2].Pid.ID}, want[k])
				break
			}
		}
	}
	ps := []Proc{rows[0].Proc, rows[1].Proc, rows[2].Proc}
	SortProcs(ps, "msgq") // the dashboard's historical name
	if ps[0].Pid.ID != 2 {
		t.Errorf("SortProcs msgq: %+v", ps)
	}
	SortProcs(ps, "reductions")
	if ps[0].Pid.ID != 2 || ps[2].Pid.ID != 1 {
		t.Errorf("SortProcs reductions: %+v", ps)
	}
}

func TestParseSortKey(t *testing.T) {
	for _, k := range SortKeys {
		if got, err := ParseSortKey(string(k)); err != nil || got != k {
			t.Errorf("%s: %v %v", k, got, err)
		}
	}
	if k, err := ParseSortKey("reductions"); err != nil || k != SortReds {
		t.Errorf("alias: %v %v", k, err)
	}
	if _, err := ParseSortKey("cpu"); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestSchedUtilisation(t *testing.T) {
	prev := &SchedSample{Online: 2, WallTime: []SchedTime{{1, 100, 1000}, {2, 0, 1000}, {3, 0, 1000}}}
	cur := &SchedSample{Online: 2, WallTime: []SchedTime{{2, 500, 2000}, {1, 600, 2000}, {3, 999, 2000}}}
	u, ok := SchedUtilisation(prev, cur)
	if !ok || u.Method != "scheduler_wall_time" || len(u.PerScheduler) != 2 || u.PerScheduler[0] != 0.5 || u.Total != 0.5 {
		t.Fatalf("wall time: %+v %v", u, ok)
	}
	// Flag off: the runtime estimate.
	prev = &SchedSample{Online: 2, Runtime: 1000, Wall: 10_000}
	cur = &SchedSample{Online: 2, Runtime: 1500, Wall: 11_000}
	if u, ok := SchedUtilisation(prev, cur); !ok || u.Method != "runtime" || u.Total != 0.25 {
		t.Fatalf("runtime: %+v %v", u, ok)
	}
	if _, ok := SchedUtilisation(cur, cur); ok {
		t.Fatal("no interval, yet a utilisation")
	}
}
