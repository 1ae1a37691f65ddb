package observe

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// ProcRate is a process seen in two tables: its totals now and what
// changed over the interval between them (observer_cli's `rr`,
// recon:proc_window).
type ProcRate struct {
	Proc
	// RedsRate is reductions per second over the interval. MemDelta and
	// MsgQGrowth are the changes of memory (bytes) and of the message
	// queue (messages); negative when they shrank.
	RedsRate   float64
	MemDelta   int64
	MsgQGrowth int64
	// New: the process is not in the first table (it started during the
	// interval, or its pid was reused); its changes count from zero.
	// Gone: it is only in the first table (it exited); Proc holds its
	// last figures and its rates are zero.
	New, Gone bool
}

// Window is the difference between two process tables of one node.
type Window struct {
	Node     term.Atom
	Interval time.Duration
	Fields   Fields
	Rows     []ProcRate
	// Appeared and Exited count the New and Gone rows.
	Appeared, Exited int
}

// Interval is the time between two tables: the node's own clock when
// both have it, else the local arrival times.
func Interval(prev, cur ProcTable) time.Duration {
	if prev.Clock != 0 && cur.Clock != 0 && cur.Clock > prev.Clock {
		return time.Duration(cur.Clock-prev.Clock) * time.Microsecond
	}
	return cur.At.Sub(prev.At)
}

// Rates compares two tables of the same node, prev taken before cur. A
// process whose reductions went down between them is a different
// process under a reused pid and counts as New. Rows are in cur's order,
// then the exited ones in prev's order.
func Rates(prev, cur ProcTable) Window {
	w := Window{Node: cur.Node, Interval: Interval(prev, cur), Fields: prev.Fields & cur.Fields}
	secs := w.Interval.Seconds()
	// Both tables are of one node: pids are told apart by their numbers
	// (a cheaper map key than the whole pid with its node name).
	type pidKey struct{ id, serial, creation uint32 }
	key := func(p term.Pid) pidKey { return pidKey{p.ID, p.Serial, p.Creation} }
	before := make(map[pidKey]int, len(prev.Procs))
	for i := range prev.Procs {
		before[key(prev.Procs[i].Pid)] = i
	}
	seen := make([]bool, len(prev.Procs))
	w.Rows = make([]ProcRate, 0, len(cur.Procs))
	zero := &Proc{}
	for _, p := range cur.Procs {
		r := ProcRate{Proc: p}
		old := zero
		if i, ok := before[key(p.Pid)]; ok {
			seen[i] = true
			old = &prev.Procs[i]
		}
		if old == zero || (w.Fields.Has(FieldReductions) && p.Reductions < old.Reductions) {
			old = zero
			r.New = true
			w.Appeared++
		}
		if w.Fields.Has(FieldReductions) && secs > 0 {
			r.RedsRate = float64(p.Reductions-old.Reductions) / secs
		}
		r.MemDelta = p.Memory - old.Memory
		r.MsgQGrowth = p.MsgQ - old.MsgQ
		w.Rows = append(w.Rows, r)
	}
	for i, p := range prev.Procs {
		if !seen[i] {
			w.Rows = append(w.Rows, ProcRate{Proc: p, Gone: true})
			w.Exited++
		}
	}
	return w
}

// SortKey is a column a process table sorts by.
type SortKey string

// The sort keys. Numbers sort descending (largest first), names
// ascending with unnamed processes last.
const (
	SortRedsRate    SortKey = "reds-rate"
	SortReds        SortKey = "reds"
	SortMemory      SortKey = "memory"
	SortMemoryDelta SortKey = "memory-delta"
	SortMsgQ        SortKey = "mq"
	SortMsgQGrowth  SortKey = "mq-growth"
	SortName        SortKey = "name"
	SortPid         SortKey = "pid"
)

// SortKeys lists every key, for help texts and flag validation.
var SortKeys = []SortKey{SortRedsRate, SortReds, SortMemory, SortMemoryDelta, SortMsgQ, SortMsgQGrowth, SortName, SortPid}

// sortAlias reads the dashboard's historical column names.
func sortAlias(s string) (SortKey, bool) {
	switch s {
	case "reductions":
		return SortReds, true
	case "msgq":
		return SortMsgQ, true
	case "memory_delta":
		return SortMemoryDelta, true
	case "reds_rate":
		return SortRedsRate, true
	case "mq_growth":
		return SortMsgQGrowth, true
	}
	return "", false
}

// ParseSortKey reads a key (or one of the dashboard's names
// "reductions", "msgq").
func ParseSortKey(s string) (SortKey, error) {
	for _, k := range SortKeys {
		if string(k) == s {
			return k, nil
		}
	}
	if k, ok := sortAlias(s); ok {
		return k, nil
	}
	names := make([]string, len(SortKeys))
	for i, k := range SortKeys {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown sort column %q: want one of %s", s, strings.Join(names, ", "))
}

// Needs is the optional column a key reads (0 when none).
func (k SortKey) Needs() Fields {
	if k == SortRedsRate || k == SortReds {
		return FieldReductions
	}
	return 0
}

// IsRate reports whether the key needs two tables.
func (k SortKey) IsRate() bool {
	return k == SortRedsRate || k == SortMemoryDelta || k == SortMsgQGrowth
}

// SortRates sorts rows by key; exited processes always come last. Ties
// keep their order (the sort is stable).
func SortRates(rows []ProcRate, key SortKey) {
	byKey := func(a, b *ProcRate) int {
		if a.Gone != b.Gone {
			if a.Gone {
				return 1
			}
			return -1
		}
		switch key {
		case SortRedsRate:
			return cmp.Compare(b.RedsRate, a.RedsRate)
		case SortMemoryDelta:
			return cmp.Compare(b.MemDelta, a.MemDelta)
		case SortMsgQGrowth:
			return cmp.Compare(b.MsgQGrowth, a.MsgQGrowth)
		}
		return procCmp(&a.Proc, &b.Proc, key)
	}
	// Sort indexes, then move each row once: rows are large. Ties are
	// broken by the index, which makes the (faster, O(n log n)) unstable
	// sort give the stable order.
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		if c := byKey(&rows[i], &rows[j]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	sorted := make([]ProcRate, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

// SortProcs sorts a table by a total column (the rate keys sort as
// their totals). The dashboard's names "msgq", "reductions" are
// accepted; an unknown key sorts by memory.
func SortProcs(ps []Proc, by string) {
	key, err := ParseSortKey(by)
	if err != nil {
		key = SortMemory
	}
	switch key {
	case SortRedsRate:
		key = SortReds
	case SortMemoryDelta:
		key = SortMemory
	case SortMsgQGrowth:
		key = SortMsgQ
	}
	slices.SortStableFunc(ps, func(a, b Proc) int { return procCmp(&a, &b, key) })
}

// procCmp orders two processes by a total column: numbers descending,
// names ascending with unnamed processes last, pids ascending.
func procCmp(a, b *Proc, key SortKey) int {
	switch key {
	case SortReds:
		return cmp.Compare(b.Reductions, a.Reductions)
	case SortMsgQ:
		return cmp.Compare(b.MsgQ, a.MsgQ)
	case SortName:
		if (a.Name == "") != (b.Name == "") {
			if a.Name == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Name, b.Name)
	case SortPid:
		return term.Compare(a.Pid, b.Pid)
	}
	return cmp.Compare(b.Memory, a.Memory)
}

// Utilisation is the schedulers' busy share over an interval, 0..1.
type Utilisation struct {
	// Total is the mean over the online normal schedulers.
	Total float64
	// PerScheduler is each normal scheduler's share (wall-time method
	// only).
	PerScheduler []float64
	// Method is "scheduler_wall_time" (exact) or "runtime" (CPU time
	// of the VM's threads over wall time × schedulers: an estimate that
	// also counts dirty schedulers, async threads and busy waiting).
	Method string
}

// SchedUtilisation computes the utilisation between two samples; ok is
// false when they cannot be compared.
func SchedUtilisation(prev, cur *SchedSample) (Utilisation, bool) {
	if prev == nil || cur == nil || cur.Online <= 0 {
		return Utilisation{}, false
	}
	if len(prev.WallTime) > 0 && len(cur.WallTime) > 0 {
		old := map[int64]SchedTime{}
		for _, s := range prev.WallTime {
			old[s.ID] = s
		}
		u := Utilisation{Method: "scheduler_wall_time"}
		var act, tot int64
		for id := int64(1); id <= cur.Online; id++ {
			var now SchedTime
			for _, s := range cur.WallTime {
				if s.ID == id {
					now = s
				}
			}
			was, ok := old[id]
			da, dt := now.Active-was.Active, now.Total-was.Total
			if !ok || dt <= 0 || da < 0 {
				continue
			}
			u.PerScheduler = append(u.PerScheduler, float64(da)/float64(dt))
			act, tot = act+da, tot+dt
		}
		if tot > 0 {
			u.Total = float64(act) / float64(tot)
			return u, true
		}
	}
	dw := cur.Wall - prev.Wall
	dr := cur.Runtime - prev.Runtime
	if dw <= 0 || dr < 0 {
		return Utilisation{}, false
	}
	return Utilisation{Method: "runtime", Total: min(1, float64(dr)/float64(dw*cur.Online))}, true
}
