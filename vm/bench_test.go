package vm

import (
	"runtime"
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

// BenchmarkIdleProcessMemory spawns 100k goroutine-backed processes blocked
// in receive and reports the memory each one costs (heap + stacks).
func BenchmarkIdleProcessMemory(b *testing.B) {
	const n = 100_000
	for it := 0; it < b.N; it++ {
		rt := New(Config{Node: "b@h", Creation: 1})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < n; i++ {
			_, _, _ = rt.Spawn(func(p *Process) term.Term {
				_, _ = p.Receive(p.Context(), nil, Infinity)
				return Normal
			}, SpawnOptions{})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := (after.HeapInuse + after.StackInuse) - (before.HeapInuse + before.StackInuse)
		b.ReportMetric(float64(used)/n, "bytes/proc")
		rt.Shutdown()
	}
}

func BenchmarkSendReceive(b *testing.B) {
	rt := New(Config{Node: "b@h", Creation: 1})
	defer rt.Shutdown()
	p, _ := rt.NewProcess(SpawnOptions{})
	msg := term.Tuple{term.Atom("hello"), term.Int(1)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = rt.Send(p.Self(), p.Self(), msg)
		_, _ = p.Receive(p.Context(), nil, 0)
	}
}
