package observe

import (
	"fmt"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// benchTables are two 5,000-process tables (the dashboard's MaxProcs),
// 1 % of the processes replaced between them.
func benchTables() (ProcTable, ProcTable) {
	t0 := time.Unix(1000, 0)
	prev := ProcTable{Node: "n@h", At: t0, Fields: FieldReductions | FieldCurrent | FieldStatus}
	cur := ProcTable{Node: "n@h", At: t0.Add(time.Second), Fields: prev.Fields}
	for i := range 5000 {
		p := Proc{Pid: term.NewPid("n@h", uint32(i), 0, 1), Name: fmt.Sprintf("worker_%d", i), Memory: int64(1000 + i*7%5000),
			Reductions: int64(i * 13), MsgQ: int64(i % 9), Current: "gen_server:loop/7", Status: "waiting"}
		prev.Procs = append(prev.Procs, p)
		if i%100 == 0 {
			p.Pid.ID += 10000
		}
		p.Reductions += int64(i * 31 % 1000)
		p.Memory += int64(i % 50)
		cur.Procs = append(cur.Procs, p)
	}
	return prev, cur
}

// BenchmarkRates5000: comparing two 5,000-process tables.
func BenchmarkRates5000(b *testing.B) {
	prev, cur := benchTables()
	b.ReportAllocs()
	for b.Loop() {
		_ = Rates(prev, cur)
	}
}

// BenchmarkSortRates5000: re-sorting a 5,000-row window by another
// column (the [5/6] target is 2 ms).
func BenchmarkSortRates5000(b *testing.B) {
	prev, cur := benchTables()
	w := Rates(prev, cur)
	keys := []SortKey{SortRedsRate, SortMemoryDelta, SortName, SortMsgQGrowth}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		SortRates(w.Rows, keys[i%len(keys)])
		i++
	}
}
