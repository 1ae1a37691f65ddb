package cluster_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/tui/cluster"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/term"
)

// src is the view's source: the leak watch only.
type src struct{ w *leak.Watch }

func (s src) LocalName() term.Atom                               { return "l@h" }
func (s src) Cluster(context.Context) ([]source.NodeRow, error)  { return nil, nil }
func (s src) Connect(context.Context, string) (term.Atom, error) { return "", nil }
func (s src) Disconnect(term.Atom) error                         { return nil }
func (s src) Trend(n term.Atom) source.Trend                     { return source.TrendOf(s.w, n) }

// BenchmarkClusterView200 renders the cluster view with 200 nodes and
// their trend sparklines (a 160-column terminal), what bubbletea does
// after each message.
func BenchmarkClusterView200(b *testing.B) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	th := theme.New(r)
	w := leak.New(leak.Config{})
	var rows []source.NodeRow
	trends := map[term.Atom]cluster.RowTrend{}
	t0 := time.Now()
	for i := range 200 {
		n := term.Atom(fmt.Sprintf("erl%08x@127.0.0.1", i))
		rows = append(rows, source.NodeRow{Name: n, Kind: "beam", Transport: "tcp", State: source.StateUp, Version: "OTP 25", Procs: 47, Memory: 15 << 20, Uptime: time.Minute, RTT: time.Millisecond})
		for j := range 30 {
			w.AddOverview(observe.Overview{Node: n, Gauges: map[string]int64{observe.GaugeMemoryTotal: int64(1e7 + j*(i%3)), observe.GaugeProcessCount: 50}}, t0.Add(time.Duration(j)*time.Second))
		}
		trends[n] = cluster.TrendOf(source.TrendOf(w, n))
	}
	m := cluster.New(src{w}, th)
	m.SetSize(160, 210)
	m.Update(cluster.RowsMsg{Rows: rows, Trends: trends})
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}
