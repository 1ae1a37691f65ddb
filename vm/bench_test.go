package vm

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// BenchmarkIdleProcessMemory spawns 100k processes waiting for a message
// and reports the memory each one costs (heap + stacks, after a full
// collection, once every goroutine has parked): goroutine-backed (Spawn,
// blocked in Receive) and SpawnHandler processes (no goroutine while
// idle).
func BenchmarkIdleProcessMemory(b *testing.B) {
	const n = 100_000
	measure := func(b *testing.B, spawn func(rt *Runtime, started *atomic.Int64)) {
		for it := 0; it < b.N; it++ {
			rt := New(Config{Node: "b@h", Creation: 1})
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var started atomic.Int64
			for i := 0; i < n; i++ {
				spawn(rt, &started)
			}
			for started.Load() < n {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond) // let the last goroutines park
			runtime.GC()
			runtime.ReadMemStats(&after)
			used := (after.HeapInuse + after.StackInuse) - (before.HeapInuse + before.StackInuse)
			b.ReportMetric(float64(used)/n, "bytes/proc")
			rt.Shutdown()
		}
	}
	b.Run("goroutine", func(b *testing.B) {
		measure(b, func(rt *Runtime, started *atomic.Int64) {
			_, _, _ = rt.Spawn(func(p *Process) term.Term {
				started.Add(1)
				_, _ = p.Receive(p.Context(), nil, Infinity)
				return Normal
			}, SpawnOptions{})
		})
	})
	b.Run("handler", func(b *testing.B) {
		measure(b, func(rt *Runtime, started *atomic.Int64) {
			_, _, _ = rt.SpawnHandler(func(p *Process, m term.Term) term.Term { return Normal }, SpawnOptions{})
			started.Add(1)
		})
	})
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
