package nodeview

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// The observer_cli-like panes: ETS tables, ports and sockets,
// distribution connections, scheduler utilisation, the application
// tree. Each is one section of node/observe, read with the overview in
// one request while the pane is on screen; counters become rates
// against the previous refresh.

// sections is what the last polls of the section panes read.
type sections struct {
	pane        Pane
	at          time.Time // when the section arrived
	unsupported string    // why the node does not answer the pane's section
	ets         []observe.ETSTable
	ports       []observe.PortInfo
	dist        []observe.DistConn
	apps        []observe.App
	sched       *observe.SchedSample

	// The previous refresh of the pane, for rates.
	prevAt    time.Time
	prevPorts map[term.Port]observe.PortInfo
	prevDist  map[term.Atom]observe.DistConn
	prevSched *observe.SchedSample
}

// reset forgets the pane's data (another pane is shown): rates start
// again over the refresh interval.
func (s *sections) reset() { *s = sections{} }

// take keeps a section's answer, the previous one as the base of rates.
func (s *sections) take(p Pane, snap observe.Snapshot) {
	if s.pane != p {
		s.reset()
	}
	s.pane = p
	s.unsupported = ""
	for _, u := range snap.Unsupported {
		if name := p.section().String(); u == name || strings.HasPrefix(u, name+":") {
			s.unsupported = u
		}
	}
	s.prevAt, s.at = s.at, snap.At
	switch p {
	case ETS:
		s.ets = slices.Clone(snap.ETS)
		slices.SortStableFunc(s.ets, func(a, b observe.ETSTable) int { return cmp.Compare(b.Memory, a.Memory) })
	case Ports:
		s.prevPorts = map[term.Port]observe.PortInfo{}
		for _, p := range s.ports {
			s.prevPorts[p.Port] = p
		}
		s.ports = slices.Clone(snap.Ports)
		slices.SortStableFunc(s.ports, func(a, b observe.PortInfo) int {
			return cmp.Or(cmp.Compare(b.Queue, a.Queue), cmp.Compare(b.Input+b.Output, a.Input+a.Output))
		})
	case Dist:
		s.prevDist = map[term.Atom]observe.DistConn{}
		for _, d := range s.dist {
			s.prevDist[d.Node] = d
		}
		s.dist = snap.Dist
	case Sched:
		s.prevSched, s.sched = s.sched, snap.Sched
	case Apps:
		s.apps = snap.Apps
	}
}

// interval is the time between the last two refreshes of the pane.
func (s *sections) interval() time.Duration {
	if s.prevAt.IsZero() {
		return 0
	}
	return s.at.Sub(s.prevAt)
}

// perSec is a counter's change per second over the interval ("-" before
// two refreshes).
func (s *sections) perSec(now, then int64, had bool) string {
	d := s.interval()
	if !had || d <= 0 || now < then {
		return "-"
	}
	if now == then {
		return "0"
	}
	return theme.Bytes(int64(float64(now-then)/d.Seconds())) + "/s"
}

// sectionHeader and sectionRows are the pane's table: a header line and
// one line per row, filtered.
func (m *Model) sectionHeader() (string, []int) {
	switch m.pane {
	case ETS:
		w := []int{24, 12, 9, 10, 26, 13}
		return theme.Row(w, "TABLE", "ID", "OBJECTS", "MEMORY▼", "OWNER", "TYPE", "PROTECTION"), w
	case Ports:
		w := []int{11, 9, 12, 8, 8, 9, 9, 6, 7, 15}
		return theme.Row(w, "PORT", "DRIVER", "OWNER", "IN", "OUT", "IN/S", "OUT/S", "QUEUE▼", "MEMORY", "LOCAL", "REMOTE"), w
	case Dist:
		w := []int{26, 7, 21, 8, 8, 18, 10, 10, 5}
		return theme.Row(w, "NODE", "TYPE", "ADDRESS", "MSGS IN", "OUT", "OUT BUFFER/BUSY", "SENT/S", "RECV/S", "PEND", "CTRL MSGQ"), w
	}
	return "", nil
}

func (m *Model) sectionRows() []string {
	_, w := m.sectionHeader()
	var rows []string
	s := &m.sec
	switch m.pane {
	case ETS:
		for _, t := range s.ets {
			owner := m.pidText(t.Owner)
			if t.OwnerName != "" {
				owner += " " + t.OwnerName
			}
			rows = append(rows, theme.Row(w, t.Name, t.ID, fmt.Sprint(t.Size), theme.Bytes(t.Memory), owner, t.Type, t.Protection))
		}
	case Ports:
		for _, p := range s.ports {
			was, had := s.prevPorts[p.Port]
			rows = append(rows, theme.Row(w, m.termText(p.Port), p.Name, m.termText(p.Connected),
				theme.Bytes(p.Input), theme.Bytes(p.Output), s.perSec(p.Input, was.Input, had), s.perSec(p.Output, was.Output, had),
				fmt.Sprint(p.Queue), theme.Bytes(p.Memory), dash(p.Local), dash(p.Remote)))
		}
	case Dist:
		for _, d := range s.dist {
			was, had := s.prevDist[d.Node]
			buf := theme.Bytes(d.Queue)
			if d.BusyLimit > 0 {
				buf = fmt.Sprintf("%s / %s", theme.Bytes(d.Queue), theme.Bytes(d.BusyLimit))
			}
			mq := "-"
			if _, isPid := d.Controller.(term.Pid); isPid {
				mq = fmt.Sprint(d.MsgQ)
			}
			rows = append(rows, theme.Row(w, string(d.Node), d.Type, dash(d.Address), fmt.Sprint(d.In), fmt.Sprint(d.Out), buf,
				s.perSec(d.SentBytes, was.SentBytes, had), s.perSec(d.RecvBytes, was.RecvBytes, had), theme.Bytes(d.SendPending), mq))
		}
	case Sched:
		rows = m.schedRows()
	case Apps:
		rows = m.appRows()
	}
	if m.filter == "" {
		return rows
	}
	var out []string
	for _, r := range rows {
		if strings.Contains(r, m.filter) {
			out = append(out, r)
		}
	}
	return out
}

// schedRows is the scheduler utilisation over the interval.
func (m *Model) schedRows() []string {
	s := &m.sec
	if s.sched == nil {
		return nil
	}
	u, ok := observe.SchedUtilisation(s.prevSched, s.sched)
	if !ok {
		return []string{fmt.Sprintf("%d schedulers online, run queue %d; utilisation from the next refresh (it compares two samples)",
			s.sched.Online, s.sched.RunQueue)}
	}
	rows := []string{fmt.Sprintf("utilisation over %s: %s  %s   run queue %d", theme.Duration(s.interval().Round(time.Millisecond)),
		bar(u.Total, 20), pct(u.Total), s.sched.RunQueue)}
	switch u.Method {
	case "scheduler_wall_time":
		rows = append(rows, "method: scheduler_wall_time (exact; someone turned the flag on, avmsh never does)")
		for i, v := range u.PerScheduler {
			rows = append(rows, fmt.Sprintf("  scheduler %-3d %s  %s", i+1, bar(v, 20), pct(v)))
		}
	default:
		rows = append(rows, fmt.Sprintf("method: runtime (the VM's CPU time over wall time × %d schedulers: an estimate that also counts", s.sched.Online),
			"  dirty schedulers, async threads and busy waiting; exact per-scheduler figures need the scheduler_wall_time flag,",
			"  which avmsh does not turn on)")
	}
	return rows
}

// appRows is the application tree, one line per application,
// supervisor and worker.
func (m *Model) appRows() []string {
	var rows []string
	for _, a := range m.sec.apps {
		line := a.Name + " " + a.Version
		if a.Description != "" && a.Description != a.Name {
			line += "  " + a.Description
		}
		if a.Sup == nil {
			line += "  (library)"
		}
		rows = append(rows, line)
		if a.Sup != nil {
			rows = m.supRows(rows, a.Sup, 1)
		}
	}
	return rows
}

func (m *Model) supRows(rows []string, n *observe.SupNode, depth int) []string {
	line := strings.Repeat("  ", depth) + n.ID + " " + m.termText(n.Pid) + " " + n.Type
	switch {
	case n.Cut:
		line += " …"
	case n.Type == "supervisor" && n.Total > len(n.Children):
		line += fmt.Sprintf(" (%d children, %d shown)", n.Total, len(n.Children))
	case n.Type == "supervisor":
		line += fmt.Sprintf(" (%d children)", n.Total)
	}
	rows = append(rows, line)
	for _, c := range n.Children {
		rows = m.supRows(rows, c, depth+1)
	}
	return rows
}

// sectionTable renders the pane in rows lines.
func (m *Model) sectionTable(b *strings.Builder, width, rows int) {
	s := &m.sec
	if s.unsupported != "" && s.pane == m.pane {
		why := fmt.Sprintf("%s does not report %s", m.node, s.unsupported)
		if m.kind != "" && m.kind != "beam" {
			why = fmt.Sprintf("%s (%s) does not answer this: nothing is asked of it for this pane (see docs/observe.md)", m.node, m.kind)
		}
		b.WriteString(m.th.Dim.Render(theme.Cell(why, width)) + "\n")
		return
	}
	head, _ := m.sectionHeader()
	if head != "" {
		b.WriteString(m.th.Header.Render(theme.Cell(head, width)) + "\n")
		rows--
	}
	v := m.sectionRows()
	rows--
	start := m.secCur.Start(rows)
	for i := start; i < len(v) && i-start < rows; i++ {
		line := theme.Cell(v[i], width)
		if i == m.secCur.Pos && m.pane != Sched {
			line = m.th.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(m.th.Dim.Render(m.sectionFooter(len(v))) + "\n")
}

func (m *Model) sectionFooter(shown int) string {
	s := &m.sec
	switch m.pane {
	case ETS:
		return fmt.Sprintf("%d tables (%d shown), by memory", len(s.ets), shown)
	case Ports:
		return fmt.Sprintf("%d ports (%d shown), by output queue then bytes; rates over the refresh", len(s.ports), shown)
	case Dist:
		return fmt.Sprintf("%d connections (%d shown); the output buffer suspends senders at the busy limit (dist_buf_busy_limit)", len(s.dist), shown)
	case Apps:
		return fmt.Sprintf("%d applications (%d lines shown)", len(s.apps), shown)
	}
	return ""
}

func (m *Model) termText(t term.Term) string {
	if t == nil {
		return "-"
	}
	return syntax.Write(t, syntax.Options{Node: syntax.NodeContext{Local: m.node}})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// bar draws a share 0..1 as a bar of width cells.
func bar(v float64, width int) string {
	n := int(v*float64(width) + 0.5)
	n = max(0, min(n, width))
	return strings.Repeat("█", n) + strings.Repeat("░", width-n)
}

func pct(v float64) string { return fmt.Sprintf("%3.0f%%", 100*v) }
