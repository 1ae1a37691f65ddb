package source_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// BenchmarkTrend200: the leak watch's verdicts of 200 nodes with a full
// window, what the cluster view asks at each refresh.
func BenchmarkTrend200(b *testing.B) {
	w := leak.New(leak.Config{})
	t0 := time.Now()
	var names []term.Atom
	for i := range 200 {
		n := term.Atom(fmt.Sprintf("n%d@h", i))
		names = append(names, n)
		for j := range 40 {
			w.AddOverview(observe.Overview{Node: n, Gauges: map[string]int64{observe.GaugeMemoryTotal: int64(1e7 + j), observe.GaugeProcessCount: 50}}, t0.Add(time.Duration(j)*time.Second))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			_ = source.TrendOf(w, n)
		}
	}
}
