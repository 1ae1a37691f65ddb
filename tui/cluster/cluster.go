package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Source is what the cluster view reads and does.
type Source interface {
	source.Nodes
	source.Connections
	source.Trends
}

// RowsMsg carries a cluster poll's result, with what the leak watch
// says of every node.
type RowsMsg struct {
	Rows   []source.NodeRow
	Trends map[term.Atom]RowTrend
	Err    error
}

// RowTrend is what a row shows of the leak watch: the sparkline of its
// series and, when it grows steadily, why it is flagged.
type RowTrend struct {
	Spark   string
	Leaking bool
	Why     string // LEAK? and the series that grow
	Window  int    // samples a verdict needs
}

// TrendOf is a row's RowTrend (computed off the UI loop, once a poll).
func TrendOf(t source.Trend) RowTrend {
	r := RowTrend{Spark: trendSpark(t), Leaking: t.Leaking, Window: t.Window}
	if t.Leaking {
		r.Why = leakText(t)
	}
	return r
}

// Model is the cluster view.
type Model struct {
	src     Source
	th      theme.Theme
	rows    []source.NodeRow
	trends  map[term.Atom]RowTrend
	cur     view.Cursor
	filter  string
	err     error
	timeout time.Duration
	width   int
	height  int
	keys    keyMap
	lastLen int // the last frame's size: the next one is built in one allocation
}

// New returns the view.
func New(src Source, th theme.Theme) *Model {
	return &Model{src: src, th: th, timeout: 5 * time.Second, width: 100, height: 27, keys: newKeys()}
}

type keyMap struct{ open, connect, disconnect key.Binding }

func newKeys() keyMap {
	return keyMap{
		open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the node (one not connected yet: connect first)")),
		connect:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "connect")),
		disconnect: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "disconnect")),
	}
}

// Title is the tab's label.
func (m *Model) Title() string { return "Cluster" }

// Init starts nothing: the app polls.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status is empty: the table says it all.
func (m *Model) Status() string { return "" }

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	return append(view.NavKeys(), m.keys.open, m.keys.connect, m.keys.disconnect)
}

// Commands are the palette's connection commands.
func (m *Model) Commands() []view.Command {
	return []view.Command{
		{Name: "connect", Aliases: []string{"c"}, Args: "NODE", Help: "connect to NODE (name, name@host or serial:PORT)",
			Run: func(args string) tea.Cmd { return m.connect(args, 10*time.Second) }},
		{Name: "disconnect", Args: "NODE", Help: "drop the connection to NODE",
			Run: func(args string) tea.Cmd { return m.disconnect(term.Atom(args)) }},
	}
}

// Poll fetches the cluster (one request per node, in parallel, bounded).
func (m *Model) Poll() tea.Cmd {
	src, timeout := m.src, m.timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		rows, err := src.Cluster(ctx)
		trends := make(map[term.Atom]RowTrend, len(rows))
		for _, r := range rows {
			trends[r.Name] = TrendOf(src.Trend(r.Name))
		}
		return RowsMsg{Rows: rows, Trends: trends, Err: err}
	}
}

// SetFilter keeps only nodes whose name or kind contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0 }

// Selected is the node under the cursor.
func (m *Model) Selected() (source.NodeRow, bool) {
	v := m.visible()
	if m.cur.Pos < len(v) {
		return v[m.cur.Pos], true
	}
	return source.NodeRow{}, false
}

func (m *Model) visible() []source.NodeRow {
	if m.filter == "" {
		return m.rows
	}
	var out []source.NodeRow
	for _, r := range m.rows {
		if strings.Contains(string(r.Name), m.filter) || strings.Contains(r.Kind, m.filter) {
			out = append(out, r)
		}
	}
	return out
}

// Update handles keys and poll results.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case RowsMsg:
		m.rows, m.trends, m.err = msg.Rows, msg.Trends, msg.Err
		m.cur.Clamp(len(m.visible()))
	case tea.KeyMsg:
		if m.cur.Move(msg, len(m.visible()), m.height-4) {
			return nil
		}
		r, ok := m.Selected()
		switch {
		case !ok:
		case key.Matches(msg, m.keys.open):
			return m.open(r)
		case key.Matches(msg, m.keys.connect):
			if r.State == source.StateUnreachable {
				return view.Status(r.Err)
			}
			return m.connect(dialOf(r), 5*time.Second)
		case key.Matches(msg, m.keys.disconnect):
			return m.disconnect(r.Name)
		}
	}
	return nil
}

// dialOf is what Connect takes for a row.
func dialOf(r source.NodeRow) string {
	if r.Dial != "" {
		return r.Dial
	}
	return string(r.Name)
}

// open shows a node in the node view; one not connected yet (a board,
// a node epmd lists) is connected to first, which also tells its name.
func (m *Model) open(r source.NodeRow) tea.Cmd {
	switch r.State {
	case source.StateUnreachable:
		return view.Status(r.Err)
	case source.StateSeen:
		src, spec := m.src, dialOf(r)
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			n, err := src.Connect(ctx, spec)
			if err != nil {
				return view.StatusMsg(fmt.Sprintf("connect %s: %v", spec, err))
			}
			return view.NodeMsg{Node: n, Show: "Node"}
		}
	}
	return func() tea.Msg { return view.NodeMsg{Node: r.Name, Show: "Node"} }
}

func (m *Model) connect(spec string, timeout time.Duration) tea.Cmd {
	src := m.src
	return tea.Sequence(func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		n, err := src.Connect(ctx, spec)
		if err != nil {
			return view.StatusMsg(fmt.Sprintf("connect %s: %v", spec, err))
		}
		return view.StatusMsg("connected to " + string(n))
	}, view.Refresh())
}

func (m *Model) disconnect(n term.Atom) tea.Cmd {
	src := m.src
	return tea.Sequence(func() tea.Msg {
		if err := src.Disconnect(n); err != nil {
			return view.StatusMsg(err.Error())
		}
		return view.StatusMsg("disconnected from " + string(n))
	}, view.Refresh())
}

var widths = []int{24, 6, 6, 11, 12, 6, 9, 16, 6, 5}

// View renders the table, a sparkline of each node's leak watch series
// (memory, or a board's free heap or process count) and its flag.
func (m *Model) View() string {
	width, height := m.width, m.height
	var b strings.Builder
	b.Grow(m.lastLen + m.lastLen/8)
	defer func() { m.lastLen = b.Len() }()
	b.WriteString(m.th.Header.Render(theme.Row(widths, "NODE", "KIND", "VIA", "STATE", "VERSION", "PROCS", "MEMORY", "TREND", "UPTIME", "RTT")))
	b.WriteByte('\n')
	v := m.visible()
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("  no nodes yet (epmd is polled; :connect NODE adds one)"))
		b.WriteByte('\n')
	}
	rows := height - 4
	start := m.cur.Start(rows)
	flagged := 0
	for _, r := range m.rows {
		if m.trends[r.Name].Leaking {
			flagged++
		}
	}
	for i := start; i < len(v) && i-start < rows; i++ {
		r := v[i]
		state := string(r.State)
		if r.State == source.StateDown && !r.Since.IsZero() {
			state = "down " + theme.Duration(time.Since(r.Since).Truncate(time.Second))
		}
		procs := "-"
		if r.Procs > 0 {
			procs = fmt.Sprint(r.Procs)
		}
		tr := m.trends[r.Name]
		line := theme.Row(widths, string(r.Name), r.Kind, r.Transport, state, r.Version, procs, theme.Bytes(r.Memory), trendCell(tr), theme.Duration(r.Uptime), theme.Duration(r.RTT))
		line = theme.Cell(line, width)
		switch {
		case i == m.cur.Pos:
			line = m.th.Selected.Render(line)
		case r.State == source.StateDown:
			line = m.th.Bad.Render(line)
		case tr.Leaking:
			line = m.th.Warn.Render(line)
		case r.State == source.StateSeen || r.State == source.StateUnreachable:
			line = m.th.Dim.Render(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	r, ok := m.Selected()
	switch {
	case m.err != nil:
		b.WriteString(m.th.Bad.Render("poll: " + m.err.Error()))
		b.WriteByte('\n')
	case ok && r.Err != "":
		b.WriteString(m.th.Warn.Render(theme.Cell(string(r.Name)+": "+r.Err, width)))
		b.WriteByte('\n')
	case ok && m.trends[r.Name].Leaking:
		b.WriteString(m.th.Warn.Render(theme.Cell(string(r.Name)+": "+m.trends[r.Name].Why, width)))
		b.WriteByte('\n')
	}
	if flagged > 0 {
		b.WriteString(m.th.Warn.Render(theme.Cell(fmt.Sprintf("%d node(s) flagged LEAK?: steady growth over the last %d samples (leak watch, see ? and docs/observe.md)",
			flagged, m.trendWindow()), width)))
		b.WriteByte('\n')
	}
	return b.String()
}

// trendOrder are the series a row's sparkline draws, the first the node
// reports: memory, else (boards) free heap, else the process count.
var trendOrder = []string{observe.GaugeMemoryTotal, observe.GaugeESP32FreeHeap, observe.GaugeProcessCount}

// trendSpark is a row's sparkline: its first series in trendOrder.
func trendSpark(t source.Trend) string {
	for _, want := range trendOrder {
		if v, ok := verdict(t, want); ok && !v.Absent && len(v.Spark) > 0 {
			return v.Sparkline(10, t.MinGrowth)
		}
	}
	return ""
}

// trendCell is a row's sparkline and, when the node grows steadily,
// LEAK?.
func trendCell(t RowTrend) string {
	if t.Leaking {
		return t.Spark + " LEAK?"
	}
	return t.Spark
}

func verdict(t source.Trend, metric string) (leak.Verdict, bool) {
	for _, v := range t.Metrics {
		if v.Metric == metric {
			return v, true
		}
	}
	return leak.Verdict{}, false
}

// leakText says what grows on a flagged node.
func leakText(t source.Trend) string {
	var parts []string
	for _, v := range t.Metrics {
		if v.Leaking {
			parts = append(parts, fmt.Sprintf("%s %+.1f%% over %s (R² %.2f)", v.Metric, 100*v.Growth, theme.Duration(v.Fit.Span), v.Fit.R2))
		}
	}
	if n := len(t.Procs); n > 0 {
		parts = append(parts, fmt.Sprintf("memory of %d process(es) grows, first %s %s %+.1f%%", n,
			syntax.Write(t.Procs[0].Pid, syntax.Options{Node: syntax.NodeContext{Local: t.Node}}), t.Procs[0].Name, 100*t.Procs[0].Growth))
	}
	return "LEAK? " + strings.Join(parts, "; ")
}

func (m *Model) trendWindow() int {
	for _, t := range m.trends {
		if t.Window > 0 {
			return t.Window
		}
	}
	return 0
}
