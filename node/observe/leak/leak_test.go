package leak_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/node/observe/observetest"
	"github.com/avmsh/avmsh/vm/term"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Unix(1_700_000_000, 0)

func TestRing(t *testing.T) {
	r := leak.NewRing(3)
	for i := range 5 {
		r.Add(leak.Sample{At: t0.Add(time.Duration(i) * time.Second), V: float64(i)})
	}
	if r.Len() != 3 {
		t.Fatalf("len %d", r.Len())
	}
	if got := r.Values(10); len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Fatalf("values %v", got)
	}
	if got := r.Values(2); got[0] != 3 || got[1] != 4 {
		t.Fatalf("last two %v", got)
	}
}

func TestLeastSquares(t *testing.T) {
	var s []leak.Sample
	for i := range 10 {
		s = append(s, leak.Sample{At: t0.Add(time.Duration(i) * 2 * time.Second), V: 100 + 3*float64(i)})
	}
	f, ok := leak.LeastSquares(s)
	if !ok || math.Abs(f.Slope-1.5) > 1e-9 || math.Abs(f.R2-1) > 1e-9 || f.Span != 18*time.Second || math.Abs(f.Change()-27) > 1e-9 {
		t.Fatalf("%+v %v", f, ok)
	}
	if _, ok := leak.LeastSquares(s[:2]); ok {
		t.Fatal("a line through two points")
	}
}

// overview is a node's overview with the given gauges.
func overview(n term.Atom, gauges map[string]int64) observe.Overview {
	return observe.Overview{Node: n, Gauges: gauges}
}

// TestGrowingSeriesFlags: memory that grows steadily under noise is
// flagged; a flat series with the same noise is not.
func TestGrowingSeriesFlags(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	w := leak.New(leak.Config{Window: 30})
	for i := range 60 {
		at := t0.Add(time.Duration(i) * 5 * time.Second)
		noise := func() int64 { return int64(rnd.NormFloat64() * 20_000) }
		w.AddOverview(overview("grow@h", map[string]int64{
			observe.GaugeMemoryTotal:  50_000_000 + int64(i)*100_000 + noise(), // +0.2 % per sample
			observe.GaugeProcessCount: 60,
		}), at)
		w.AddOverview(overview("flat@h", map[string]int64{
			observe.GaugeMemoryTotal:  50_000_000 + 10*noise(), // ±0.4 %, no trend
			observe.GaugeProcessCount: 60 + int64(rnd.IntN(3)),
		}), at)
	}
	if !w.Flagged("grow@h") || w.Flagged("flat@h") {
		t.Fatalf("grow flagged %v, flat flagged %v\n%v\n%v", w.Flagged("grow@h"), w.Flagged("flat@h"), w.Check("grow@h"), w.Check("flat@h"))
	}
	v := w.Check("grow@h")[0]
	if v.Metric != observe.GaugeMemoryTotal || !v.Leaking || v.Growth < 0.02 || v.Fit.R2 < 0.6 || !strings.Contains(v.String(), "LEAK?") {
		t.Fatalf("verdict %+v / %s", v, v)
	}
	for _, v := range w.Check("flat@h") {
		if v.Leaking {
			t.Errorf("flat series flagged: %s", v)
		}
	}
	// A stricter threshold for memory does not flag the same growth.
	strict := leak.New(leak.Config{Window: 30, Thresholds: map[string]float64{observe.GaugeMemoryTotal: 0.5}})
	for i := range 40 {
		strict.AddOverview(overview("grow@h", map[string]int64{observe.GaugeMemoryTotal: 50_000_000 + int64(i)*100_000}), t0.Add(time.Duration(i)*time.Second))
	}
	if strict.Flagged("grow@h") {
		t.Error("threshold not applied")
	}
	// No verdict before a full window.
	early := leak.New(leak.Config{Window: 30})
	for i := range 10 {
		early.AddOverview(overview("n@h", map[string]int64{observe.GaugeMemoryTotal: int64(1000 * (i + 1))}), t0.Add(time.Duration(i)*time.Second))
	}
	if early.Flagged("n@h") {
		t.Error("flagged before a full window")
	}
}

// TestFreeHeapShrinkingFlags: on an ESP32 board (fake AtomVM read
// through observe) a free heap that shrinks steadily is flagged; a
// board without the ESP32 items shows them as absent, not 0.
func TestFreeHeapShrinkingFlags(t *testing.T) {
	ctx := context.Background()
	esp := observetest.NewAtomVM("esp@serial.local")
	esp.SetProc(1, observetest.Proc{Name: "app", Memory: 1000})
	o := observe.New(observe.Config{Conn: esp})
	w := leak.New(leak.Config{Window: 20})
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range 30 {
		free := 120_000 - i*600 + rnd.IntN(400)
		esp.SetInfo(observe.GaugeESP32FreeHeap, term.Int(free))
		esp.SetInfo(observe.GaugeESP32MinFree, term.Int(min(free, 100_000)))
		esp.SetInfo(observe.GaugeESP32Largest, term.Int(40_000+rnd.IntN(2000)))
		ov, err := o.Overview(ctx, esp.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.AddOverview(ov, t0.Add(time.Duration(i)*5*time.Second))
	}
	got := map[string]leak.Verdict{}
	for _, v := range w.Check(esp.Name) {
		got[v.Metric] = v
	}
	if v := got[observe.GaugeESP32FreeHeap]; !v.Leaking || v.Absent {
		t.Errorf("shrinking free heap: %s", v)
	}
	if v := got[observe.GaugeESP32Largest]; v.Leaking || v.Absent {
		t.Errorf("noisy largest block: %s", v)
	}
	if v := got[observe.GaugeMemoryTotal]; !v.Absent || !strings.HasSuffix(v.String(), "absent") {
		t.Errorf("AtomVM has no erlang:memory(): %s", v)
	}

	generic := observetest.NewAtomVM("unix@serial.local")
	o = observe.New(observe.Config{Conn: generic})
	ov, err := o.Overview(ctx, generic.Name)
	if err != nil {
		t.Fatal(err)
	}
	w.AddOverview(ov, t0)
	for _, v := range w.Check(generic.Name) {
		want := v.Metric != observe.GaugeProcessCount
		if v.Absent != want {
			t.Errorf("%s absent=%v, want %v", v.Metric, v.Absent, want)
		}
		if v.Absent && (strings.Contains(v.String(), " 0") || !strings.Contains(v.String(), "absent")) {
			t.Errorf("absent shown as %q", v)
		}
	}
}

// TestAbsentAgainstErl: erl has no esp32_* system_info items; the
// watch shows them as absent, never as 0, and has its memory.
func TestAbsentAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, err := node.Start(context.Background(), node.Config{
		Name: erltest.RandomName("leak") + "@127.0.0.1", Cookie: e.Cookie, ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: e.EpmdPort}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Connect(ctx, term.Atom(e.Name)); err != nil {
		t.Fatal(err)
	}
	o := observe.New(observe.Config{Node: n})
	w := leak.New(leak.Config{Window: 3})
	for i := range 3 {
		s, err := o.Poll(ctx, term.Atom(e.Name), observe.SecOverview|observe.SecProcs)
		if err != nil {
			t.Fatal(err)
		}
		w.AddOverview(*s.Overview, t0.Add(time.Duration(i)*time.Second))
		s.Procs.At = t0.Add(time.Duration(i) * time.Second)
		w.AddProcs(*s.Procs)
	}
	for _, v := range w.Check(term.Atom(e.Name)) {
		switch v.Metric {
		case observe.GaugeMemoryTotal, observe.GaugeProcessCount:
			if v.Absent || v.Last <= 0 {
				t.Errorf("%s", v)
			}
		default:
			if !v.Absent || v.Last != 0 || !strings.HasSuffix(v.String(), "absent") {
				t.Errorf("erl lacks %s: got %q", v.Metric, v)
			}
		}
	}
}

// TestPerProcessMemory: a process whose memory grows steadily is
// listed; exited processes are dropped; the followed set is bounded.
func TestPerProcessMemory(t *testing.T) {
	w := leak.New(leak.Config{Window: 10, MaxProcs: 3})
	pid := func(i uint32) term.Pid { return term.NewPid("n@h", i, 0, 1) }
	for i := range 20 {
		tb := observe.ProcTable{Node: "n@h", At: t0.Add(time.Duration(i) * time.Second), Procs: []observe.Proc{
			{Pid: pid(1), Name: "leaky", Memory: 10_000 + int64(i)*2_000},
			{Pid: pid(2), Name: "steady", Memory: 50_000},
			{Pid: pid(3), Memory: 30_000 + int64(i%2)*500},
			{Pid: pid(4), Memory: 100}, // beyond MaxProcs: not followed
		}}
		if i >= 15 { // pid 3 exits
			tb.Procs = append(tb.Procs[:2], tb.Procs[3])
		}
		w.AddProcs(tb)
	}
	ps := w.Procs("n@h")
	if len(ps) != 1 || ps[0].Name != "leaky" || ps[0].Pid != pid(1) || !w.Flagged("n@h") {
		t.Fatalf("leaking processes: %+v", ps)
	}
}

func TestSparkline(t *testing.T) {
	if got := leak.Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp: %q", got)
	}
	if got := leak.Sparkline([]float64{5, 5, 5}, 10); got != "▁▁▁" {
		t.Errorf("flat: %q", got)
	}
	if got := leak.Sparkline([]float64{1, math.NaN(), 3, 9, 9}, 3); got != "▁██" {
		t.Errorf("width: %q", got)
	}
	if got := leak.Sparkline([]float64{1, math.NaN(), 2}, 3); got != "▁ █" {
		t.Errorf("gap: %q", got)
	}
	if leak.Sparkline(nil, 5) != "" || leak.Sparkline([]float64{1}, 0) != "" {
		t.Error("empty")
	}
}

// TestRingLongSession: samples stored compactly keep their times over
// weeks (the base moves with the oldest sample) and their values to a
// float32's precision.
func TestRingLongSession(t *testing.T) {
	r := leak.NewRing(4)
	day := 24 * time.Hour
	for i := range 10 {
		r.Add(leak.Sample{At: t0.Add(time.Duration(i) * 5 * day), V: 1e9 + float64(i)*1000})
	}
	got := r.Last(4)
	for i, s := range got {
		want := t0.Add(time.Duration(6+i) * 5 * day)
		if !s.At.Equal(want) || math.Abs(s.V-(1e9+float64(6+i)*1000)) > 64 {
			t.Errorf("sample %d: %v %v, want %v", i, s.At, s.V, want)
		}
	}
}

func TestSparklineSpan(t *testing.T) {
	noisy := []float64{1000, 1001, 999, 1000, 1002}
	if got := leak.Sparkline(noisy, 5); got != "▃▆▁▃█" {
		t.Errorf("min-max: %q", got)
	}
	if got := leak.SparklineSpan(noisy, 5, 100); got != "▄▅▄▄▅" {
		t.Errorf("noise within the span: %q", got)
	}
	if got := leak.SparklineSpan([]float64{0, 50, 100}, 3, 10); got != "▁▅█" {
		t.Errorf("a span wider than the minimum: %q", got)
	}
}
