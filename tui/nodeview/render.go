package nodeview

import (
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/tui/theme"
)

// View renders the node view: the header (node, memory, counts), the
// pane line, then the load results, the process details or the table of
// the pane.
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
	b.WriteString(m.memoryLine(width) + "\n")
	b.WriteString(m.countsLine() + "\n")
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
	default:
		m.procTable(&b, width, rows)
	}
	return b.String()
}

// paneLine names the two tables and their keys, the one shown marked.
func (m *Model) paneLine() string {
	tab := func(p Pane, label string) string {
		if p == m.pane {
			return m.th.ActiveTab.Render(label)
		}
		return m.th.Tab.Render(label)
	}
	return tab(Processes, "p processes") + tab(Modules, "c modules")
}

// memoryLine is the memory breakdown with a sparkline of the total.
func (m *Model) memoryLine(width int) string {
	keys := []string{"total", "processes", "binary", "ets", "atom", "code", "system", "esp_free_heap"}
	var parts []string
	for _, k := range keys {
		if v, ok := m.ov.Memory[k]; ok {
			parts = append(parts, k+" "+theme.Bytes(v))
		}
	}
	line := "memory: " + strings.Join(parts, "  ")
	return theme.Cell(line+"  "+Sparkline(m.history, 30), width)
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

// Sparkline draws values as a line of block characters.
func Sparkline(vals []int64, width int) string {
	if len(vals) == 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	bars := []rune("▁▂▃▄▅▆▇█")
	out := make([]rune, len(vals))
	for i, v := range vals {
		k := 0
		if hi > lo {
			k = int((v - lo) * int64(len(bars)-1) / (hi - lo))
		}
		out[i] = bars[k]
	}
	return string(out)
}
