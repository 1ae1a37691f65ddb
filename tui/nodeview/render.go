package nodeview

import (
	"fmt"
	"math"
	"strings"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/tui/theme"
)

// View renders the node view: the header (node, memory, counts, the
// leak watch's trends), the pane line, then the load results, the
// process details or the pane's table.
func (m *Model) View() string {
	width, height := m.width, m.height
	if m.node == "" {
		msg := "no node selected: pick one in the Cluster view (1) and press enter"
		if m.report != nil {
			return m.reportView(width, height)
		}
		return m.th.Dim.Render(msg)
	}
	var b strings.Builder
	b.WriteString(m.th.Title.Render(string(m.node)) + "  " + m.ov.Version + "  " + m.th.Dim.Render("up "+theme.Duration(m.ov.Uptime)+", rtt "+theme.Duration(m.ov.RTT)) + "\n")
	used := 1
	if m.err != nil {
		b.WriteString(m.th.Bad.Render(theme.Cell("poll: "+m.err.Error(), width)) + "\n")
		used++
	}
	b.WriteString(theme.Cell(m.memoryLine(), width) + "\n")
	b.WriteString(m.countsLine() + "\n")
	for _, l := range m.trendLines() {
		l = theme.Cell(l, width)
		if m.trend.Leaking {
			l = m.th.Warn.Render(l)
		}
		b.WriteString(l + "\n")
		used++
	}
	b.WriteString(m.paneLine() + "\n")
	used += 3
	rows := height - used
	switch {
	case m.prompt != nil: // typed into: on screen whatever else is open
		m.moduleTable(&b, width, rows)
	case m.report != nil:
		b.WriteString(m.reportView(width, rows))
	case m.detail != nil:
		b.WriteString(m.detailView(width, rows))
	case m.pane == Modules:
		m.moduleTable(&b, width, rows)
	case m.pane == Processes:
		m.procTable(&b, width, rows)
	default:
		m.sectionTable(&b, width, rows)
	}
	return b.String()
}

// paneLine names the panes and their keys, the one shown marked.
func (m *Model) paneLine() string {
	var b strings.Builder
	for _, p := range panes {
		if p.pane == m.pane {
			b.WriteString(m.th.ActiveTab.Render(p.label))
		} else {
			b.WriteString(m.th.Tab.Render(p.label))
		}
	}
	return b.String()
}

// memoryLine is the memory breakdown.
func (m *Model) memoryLine() string {
	keys := []string{"total", "processes", "binary", "ets", "atom", "code", "system", "esp_free_heap"}
	var parts []string
	for _, k := range keys {
		if v, ok := m.ov.Memory[k]; ok {
			parts = append(parts, k+" "+theme.Bytes(v))
		}
	}
	if len(parts) == 0 {
		return "memory: not reported"
	}
	return "memory: " + strings.Join(parts, "  ")
}

func (m *Model) countsLine() string {
	var parts []string
	add := func(name string, n, limit int64) {
		switch {
		case limit > 0:
			parts = append(parts, fmt.Sprintf("%s %d/%d", name, n, limit))
		case n > 0:
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	add("processes", m.ov.ProcCount, m.ov.ProcLimit)
	add("atoms", m.ov.AtomCount, m.ov.AtomLimit)
	add("ports", m.ov.PortCount, m.ov.PortLimit)
	if m.ov.Schedulers > 0 {
		parts = append(parts, fmt.Sprintf("schedulers %d, run queue %d", m.ov.Schedulers, m.ov.RunQueue))
	}
	if len(m.ov.Unsupported) > 0 {
		parts = append(parts, m.th.Dim.Render("(not reported: "+strings.Join(m.ov.Unsupported, ", ")+")"))
	}
	return strings.Join(parts, "   ")
}

// trendName is a leak watch metric as the header names it.
func trendName(metric string) string {
	switch metric {
	case observe.GaugeMemoryTotal:
		return "memory"
	case observe.GaugeProcessCount:
		return "processes"
	case observe.GaugeESP32FreeHeap:
		return "free heap"
	case observe.GaugeESP32MinFree:
		return "min free"
	case observe.GaugeESP32Largest:
		return "largest block"
	}
	return ""
}

// trendLines are the leak watch's series of the node: each figure's
// last value and sparkline, with its change over the window once the
// window is full and LEAK? when it moves steadily the way a leak moves
// it. A board's ESP32 heap figures get a line of their own; figures the
// node does not report are "absent" (the three ESP32 ones in one word
// on a node that is not an ESP32 board).
func (m *Model) trendLines() []string {
	var main, esp []string
	absent := 0
	for _, v := range m.trend.Metrics {
		isESP32 := strings.HasPrefix(v.Metric, "esp32_")
		p := trendText(v, m.trend.MinGrowth)
		switch {
		case v.Absent && isESP32:
			absent++
		case isESP32:
			esp = append(esp, p)
		default:
			main = append(main, p)
		}
	}
	if len(m.trend.Metrics) == 0 {
		return []string{"trend: no samples yet"}
	}
	switch {
	case absent == 3:
		main = append(main, "ESP32 heap absent")
	case absent > 0:
		for _, v := range m.trend.Metrics {
			if v.Absent && strings.HasPrefix(v.Metric, "esp32_") {
				esp = append(esp, trendText(v, m.trend.MinGrowth))
			}
		}
	}
	first := "trend: " + strings.Join(main, "   ")
	if n := len(m.trend.Procs); n > 0 {
		p := m.trend.Procs[0]
		first += fmt.Sprintf("   growing: %s %s %+.1f%%", m.pidText(p.Pid), p.Name, 100*p.Growth)
		if n > 1 {
			first += fmt.Sprintf(" and %d more", n-1)
		}
	}
	if len(esp) == 0 {
		return []string{first}
	}
	return []string{first, "ESP32 heap: " + strings.Join(esp, "   ")}
}

// trendText is one figure of the trend lines; its sparkline spans at
// least share (the growth threshold) of its mean.
func trendText(v leak.Verdict, share float64) string {
	name := trendName(v.Metric)
	if v.Absent {
		return name + " absent"
	}
	val := fmt.Sprintf("%.0f", v.Last)
	if v.Metric != observe.GaugeProcessCount {
		val = theme.Bytes(int64(v.Last))
	}
	p := name + " " + val + " " + v.Sparkline(10, share)
	if v.Fit.N > 0 && v.Fit.Mean != 0 {
		if c := 100 * v.Fit.Change() / math.Abs(v.Fit.Mean); math.Abs(c) >= 0.05 {
			p += fmt.Sprintf(" %+.1f%%", c) // as it moved, over the window
		}
	}
	if v.Leaking {
		p += " LEAK?"
	}
	return p
}
