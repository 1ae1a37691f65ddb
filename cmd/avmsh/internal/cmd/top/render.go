package topcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/node/observe"
)

// renderText is a frame as lines of text: a header line, a summary
// line, the column titles and the rows. Columns a node does not report
// show "-".
func renderText(fr frame) []string {
	cur, w := fr.Cur, fr.Window
	head := fmt.Sprintf("%s  %s  %s  every %s  sort %s", cur.Node, kindVersion(cur), cur.At.Format("15:04:05"),
		w.Interval.Round(10*time.Millisecond), fr.Sort)
	lines := []string{head, summary(fr)}
	if c := fr.Crashes; c.Total > 0 {
		lines = append(lines, fmt.Sprintf("crashes %d, last: %s", c.Total, c.Last.Summary()))
	}
	lines = append(lines, fmt.Sprintf("%-14s %-22s %10s %12s %10s %9s %7s %6s  %s",
		"PID", "NAME", "REDS/S", "REDS", "MEMORY", "+MEM", "MQ", "+MQ", "CURRENT"))
	reds := w.Fields.Has(observe.FieldReductions)
	for _, r := range visible(w, fr.Rows) {
		name := r.Name
		if r.New {
			name = "+" + name
		}
		rate, total, cur := "-", "-", "-"
		if reds {
			rate, total = fmt.Sprintf("%.0f", r.RedsRate), fmt.Sprint(r.Reductions)
		}
		if w.Fields.Has(observe.FieldCurrent) {
			cur = r.Current
		}
		lines = append(lines, fmt.Sprintf("%-14s %-22s %10s %12s %10s %9s %7d %6s  %s",
			pidText(r.Pid), clip(name, 22), rate, total, bytesText(r.Memory), signed(r.MemDelta, bytesText),
			r.MsgQ, signed(r.MsgQGrowth, func(v int64) string { return fmt.Sprint(v) }), cur))
	}
	return lines
}

// visible is the first n rows that did not exit.
func visible(w observe.Window, n int) []observe.ProcRate {
	var out []observe.ProcRate
	for _, r := range w.Rows {
		if len(out) == n {
			break
		}
		if !r.Gone {
			out = append(out, r)
		}
	}
	return out
}

func kindVersion(s observe.Snapshot) string {
	if s.Overview != nil && s.Overview.Version != "" {
		return s.Kind + " " + s.Overview.Version
	}
	return s.Kind
}

// summary is the line under the header: process counts, memory,
// scheduler use, ESP32 heap, what the node does not report.
func summary(fr frame) string {
	w := fr.Window
	parts := []string{fmt.Sprintf("procs %d (+%d -%d)", len(w.Rows)-w.Exited, w.Appeared, w.Exited)}
	if ov := fr.Cur.Overview; ov != nil {
		if v, ok := ov.Gauges[observe.GaugeMemoryTotal]; ok {
			parts = append(parts, "memory "+bytesText(v))
		}
		if v, ok := ov.Gauges[observe.GaugeESP32FreeHeap]; ok {
			parts = append(parts, "free heap "+bytesText(v))
		}
		if v, ok := ov.Gauges[observe.GaugeESP32MinFree]; ok {
			parts = append(parts, "min free "+bytesText(v))
		}
	}
	if u, ok := observe.SchedUtilisation(fr.Prev.Sched, fr.Cur.Sched); ok {
		s := fmt.Sprintf("schedulers %.0f%%", 100*u.Total)
		if u.Method == "runtime" {
			s += " (CPU estimate)"
		}
		parts = append(parts, s)
	}
	if !w.Fields.Has(observe.FieldReductions) {
		parts = append(parts, "no reductions on this node")
	}
	return strings.Join(parts, "  ")
}

func bytesText(v int64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 10<<20:
		return fmt.Sprintf("%.1fM", float64(v)/(1<<20))
	case a >= 10<<10:
		return fmt.Sprintf("%.1fK", float64(v)/(1<<10))
	}
	return fmt.Sprint(v)
}

func signed(v int64, f func(int64) string) string {
	if v > 0 {
		return "+" + f(v)
	}
	return f(v)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// jsonRow is one process of a JSON frame; columns the node does not
// report are left out.
type jsonRow struct {
	Pid         string   `json:"pid"`
	Name        string   `json:"name,omitempty"`
	Reductions  *int64   `json:"reductions,omitempty"`
	RedsRate    *float64 `json:"reds_rate,omitempty"`
	Memory      int64    `json:"memory"`
	MemoryDelta int64    `json:"memory_delta"`
	MsgQ        int64    `json:"mq"`
	MsgQGrowth  int64    `json:"mq_growth"`
	Current     string   `json:"current,omitempty"`
	Status      string   `json:"status,omitempty"`
	New         bool     `json:"new,omitempty"`
}

type jsonSched struct {
	Utilisation float64 `json:"utilisation"`
	Method      string  `json:"method"`
}

type jsonFrame struct {
	Node       string           `json:"node"`
	Kind       string           `json:"kind"`
	Version    string           `json:"version,omitempty"`
	At         time.Time        `json:"at"`
	IntervalMS float64          `json:"interval_ms"`
	Sort       string           `json:"sort"`
	Procs      int              `json:"procs"`
	Appeared   int              `json:"appeared"`
	Exited     int              `json:"exited"`
	Gauges     map[string]int64 `json:"gauges,omitempty"`
	Sched      *jsonSched       `json:"schedulers,omitempty"`
	Rows       []jsonRow        `json:"rows"`
	Crashes    []crashlog.Event `json:"crashes,omitempty"`
}

// writeJSON prints a frame as one line of JSON.
func writeJSON(out io.Writer, fr frame) error {
	w := fr.Window
	j := jsonFrame{Node: string(fr.Cur.Node), Kind: fr.Cur.Kind, At: fr.Cur.At.UTC(),
		IntervalMS: float64(w.Interval.Microseconds()) / 1000, Sort: string(fr.Sort),
		Procs: len(w.Rows) - w.Exited, Appeared: w.Appeared, Exited: w.Exited, Rows: []jsonRow{}, Crashes: fr.Crashes.New}
	if ov := fr.Cur.Overview; ov != nil {
		j.Version, j.Gauges = ov.Version, ov.Gauges
	}
	if u, ok := observe.SchedUtilisation(fr.Prev.Sched, fr.Cur.Sched); ok {
		j.Sched = &jsonSched{Utilisation: u.Total, Method: u.Method}
	}
	for _, r := range visible(w, fr.Rows) {
		row := jsonRow{Pid: pidText(r.Pid), Name: r.Name, Memory: r.Memory, MemoryDelta: r.MemDelta,
			MsgQ: r.MsgQ, MsgQGrowth: r.MsgQGrowth, New: r.New}
		if w.Fields.Has(observe.FieldReductions) {
			reds, rate := r.Reductions, r.RedsRate
			row.Reductions, row.RedsRate = &reds, &rate
		}
		if w.Fields.Has(observe.FieldCurrent) {
			row.Current = r.Current
		}
		if w.Fields.Has(observe.FieldStatus) {
			row.Status = r.Status
		}
		j.Rows = append(j.Rows, row)
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}

// frameWriter prints text frames: on a terminal each frame overwrites
// the previous one (cursor up, then each line cleared and rewritten;
// lines are clipped to the width so that none wraps); elsewhere frames
// follow each other, separated by a blank line.
type frameWriter struct {
	out      io.Writer
	redraw   bool
	columns  int
	previous int // lines of the previous frame
}

func newFrameWriter(out io.Writer, redraw bool, columns int) *frameWriter {
	return &frameWriter{out: out, redraw: redraw, columns: columns}
}

func (fw *frameWriter) write(lines []string) error {
	var b strings.Builder
	if !fw.redraw {
		if fw.previous > 0 {
			b.WriteByte('\n')
		}
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		fw.previous = len(lines)
		_, err := io.WriteString(fw.out, b.String())
		return err
	}
	if fw.previous > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", fw.previous)
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[2K")
		b.WriteString(clip(l, max(fw.columns-1, 20)))
		b.WriteByte('\n')
	}
	// Clear what is left of a longer previous frame, then come back.
	if extra := fw.previous - len(lines); extra > 0 {
		for range extra {
			b.WriteString("\r\x1b[2K\n")
		}
		fmt.Fprintf(&b, "\x1b[%dA", extra)
	}
	fw.previous = len(lines)
	_, err := io.WriteString(fw.out, b.String())
	return err
}
