package leak

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Metric is a watched figure of a node and the direction a leak moves
// it.
type Metric struct {
	Name string // an observe.Gauge* name
	// Down: a leak makes it shrink (free heap).
	Down bool
}

// Metrics are the node figures the watch keeps, in display order.
var Metrics = []Metric{
	{Name: observe.GaugeMemoryTotal},
	{Name: observe.GaugeProcessCount},
	{Name: observe.GaugeESP32FreeHeap, Down: true},
	{Name: observe.GaugeESP32MinFree, Down: true},
	{Name: observe.GaugeESP32Largest, Down: true},
}

// Config tunes a Watch; zero fields take the defaults.
type Config struct {
	// Capacity is the samples kept per series (default 720: an hour at
	// one sample every 5 s).
	Capacity int
	// Window is the number of newest samples the line is fitted over
	// (default 30); no verdict before that many samples.
	Window int
	// MinGrowth is the change over the window, as a share of the
	// series' mean, that counts as growth (default 0.02: 2 %).
	// Thresholds overrides it per metric name ("process" for
	// per-process memory).
	MinGrowth  float64
	Thresholds map[string]float64
	// MinFit is the R² the line needs (default 0.6): below it the
	// series is noise, whatever its slope.
	MinFit float64
	// MaxProcs is the per-process series kept per node (default 100,
	// the processes with the most memory).
	MaxProcs int
}

func (c Config) withDefaults() Config {
	if c.Capacity <= 0 {
		c.Capacity = 720
	}
	if c.Window <= 0 {
		c.Window = 30
	}
	c.Window = max(min(c.Window, c.Capacity), 3)
	if c.MinGrowth <= 0 {
		c.MinGrowth = 0.02
	}
	if c.MinFit <= 0 {
		c.MinFit = 0.6
	}
	if c.MaxProcs <= 0 {
		c.MaxProcs = 100
	}
	return c
}

// Verdict is what the watch says about one series.
type Verdict struct {
	Metric string
	// Absent: the node does not report this figure (never shown as 0).
	Absent bool
	// Last is the newest value; Spark the newest values, oldest first.
	Last  float64
	Spark []float64
	// Fit is the line over the window (N is 0 before Window samples);
	// Growth its change over the window as a share of the mean,
	// signed the way a leak moves (positive: towards a leak).
	Fit    Fit
	Growth float64
	// Leaking: steady growth (or shrinking, for free heap) over the
	// window.
	Leaking bool
}

// Sparkline draws the verdict's values (SparklineSpan) over a range of
// at least share of their mean: with share the growth threshold, noise
// that could never be a leak stays flat.
func (v Verdict) Sparkline(width int, share float64) string {
	var sum float64
	for _, x := range v.Spark {
		sum += x
	}
	span := 0.0
	if len(v.Spark) > 0 {
		span = math.Abs(sum/float64(len(v.Spark))) * share
	}
	return SparklineSpan(v.Spark, width, span)
}

// String renders the verdict on one line of plain text.
func (v Verdict) String() string {
	if v.Absent {
		return fmt.Sprintf("%-25s absent", v.Metric)
	}
	s := fmt.Sprintf("%-25s %12.0f %-20s", v.Metric, v.Last, Sparkline(v.Spark, 20))
	if v.Fit.N > 0 {
		s += fmt.Sprintf(" %+6.1f%% over %s (R² %.2f)", 100*v.Growth, v.Fit.Span.Round(time.Second), v.Fit.R2)
	}
	if v.Leaking {
		s += " LEAK?"
	}
	return s
}

type series struct {
	ring   *Ring
	absent bool
}

type nodeSeries struct {
	gauges map[string]*series
	procs  map[term.Pid]*series
	names  map[term.Pid]string
}

// Watch keeps the series of every node seen. It is safe for concurrent
// use.
type Watch struct {
	cfg   Config
	mu    sync.Mutex
	nodes map[term.Atom]*nodeSeries
}

// New returns a Watch.
func New(cfg Config) *Watch {
	return &Watch{cfg: cfg.withDefaults(), nodes: map[term.Atom]*nodeSeries{}}
}

// Config is the watch's configuration with its defaults applied.
func (w *Watch) Config() Config { return w.cfg }

func (w *Watch) node(n term.Atom) *nodeSeries {
	ns := w.nodes[n]
	if ns == nil {
		ns = &nodeSeries{gauges: map[string]*series{}, procs: map[term.Pid]*series{}, names: map[term.Pid]string{}}
		w.nodes[n] = ns
	}
	return ns
}

// AddOverview records a node's gauges at at. A metric missing from
// ov.Gauges is marked absent (its series is kept, nothing is added).
func (w *Watch) AddOverview(ov observe.Overview, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ns := w.node(ov.Node)
	for _, m := range Metrics {
		s := ns.gauges[m.Name]
		if s == nil {
			s = &series{ring: NewRing(w.cfg.Capacity)}
			ns.gauges[m.Name] = s
		}
		v, ok := ov.Gauges[m.Name]
		s.absent = !ok
		if ok {
			s.ring.Add(Sample{At: at, V: float64(v)})
		}
	}
}

// AddProcs records per-process memory from a table: the MaxProcs
// processes with the most memory are followed; processes no longer in
// the table are dropped.
func (w *Watch) AddProcs(t observe.ProcTable) {
	ps := append([]observe.Proc(nil), t.Procs...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Memory > ps[j].Memory })
	w.mu.Lock()
	defer w.mu.Unlock()
	ns := w.node(t.Node)
	keep := map[term.Pid]bool{}
	for i, p := range ps {
		s := ns.procs[p.Pid]
		if s == nil {
			if i >= w.cfg.MaxProcs {
				continue
			}
			s = &series{ring: NewRing(w.cfg.Capacity)}
			ns.procs[p.Pid] = s
		}
		keep[p.Pid] = true
		ns.names[p.Pid] = p.Name
		s.ring.Add(Sample{At: t.At, V: float64(p.Memory)})
	}
	for pid := range ns.procs {
		if !keep[pid] {
			delete(ns.procs, pid)
			delete(ns.names, pid)
		}
	}
	// Beyond MaxProcs (a followed process grew small): drop the
	// smallest.
	for len(ns.procs) > w.cfg.MaxProcs {
		var victim term.Pid
		least := math.Inf(1)
		for pid, s := range ns.procs {
			if v := s.ring.Values(1); len(v) == 1 && v[0] < least {
				victim, least = pid, v[0]
			}
		}
		delete(ns.procs, victim)
		delete(ns.names, victim)
	}
}

// Forget drops a node's series.
func (w *Watch) Forget(n term.Atom) {
	w.mu.Lock()
	delete(w.nodes, n)
	w.mu.Unlock()
}

// Nodes lists the nodes with series, sorted.
func (w *Watch) Nodes() []term.Atom {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]term.Atom, 0, len(w.nodes))
	for n := range w.nodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Check returns the verdict of every metric of node n (Metrics order;
// nil for a node never seen).
func (w *Watch) Check(n term.Atom) []Verdict {
	w.mu.Lock()
	defer w.mu.Unlock()
	ns := w.nodes[n]
	if ns == nil {
		return nil
	}
	out := make([]Verdict, 0, len(Metrics))
	for _, m := range Metrics {
		s := ns.gauges[m.Name]
		if s == nil {
			continue
		}
		out = append(out, w.verdict(m.Name, s, m.Down, w.threshold(m.Name)))
	}
	return out
}

// ProcVerdict is a process whose memory grows steadily.
type ProcVerdict struct {
	Pid  term.Pid
	Name string
	Verdict
}

// Procs returns the followed processes of node n whose memory grows
// steadily, the fastest first.
func (w *Watch) Procs(n term.Atom) []ProcVerdict {
	w.mu.Lock()
	defer w.mu.Unlock()
	ns := w.nodes[n]
	if ns == nil {
		return nil
	}
	var out []ProcVerdict
	for pid, s := range ns.procs {
		v := w.verdict(syntax.Write(pid, syntax.Options{}), s, false, w.threshold("process"))
		if v.Leaking {
			out = append(out, ProcVerdict{Pid: pid, Name: ns.names[pid], Verdict: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Growth > out[j].Growth })
	return out
}

// Flagged reports whether any metric or process of node n leaks.
func (w *Watch) Flagged(n term.Atom) bool {
	for _, v := range w.Check(n) {
		if v.Leaking {
			return true
		}
	}
	return len(w.Procs(n)) > 0
}

func (w *Watch) threshold(name string) float64 {
	if t, ok := w.cfg.Thresholds[name]; ok && t > 0 {
		return t
	}
	return w.cfg.MinGrowth
}

func (w *Watch) verdict(name string, s *series, down bool, minGrowth float64) Verdict {
	if s.absent {
		return Verdict{Metric: name, Absent: true}
	}
	v := Verdict{Metric: name, Spark: s.ring.Values(w.cfg.Window)}
	if len(v.Spark) > 0 {
		v.Last = v.Spark[len(v.Spark)-1]
	}
	if s.ring.Len() < w.cfg.Window {
		return v
	}
	fit, ok := s.ring.fitLast(w.cfg.Window)
	if !ok || fit.Mean == 0 {
		return v
	}
	v.Fit = fit
	v.Growth = fit.Change() / math.Abs(fit.Mean)
	if down {
		v.Growth = -v.Growth
	}
	v.Leaking = v.Growth >= minGrowth && fit.R2 >= w.cfg.MinFit
	return v
}
