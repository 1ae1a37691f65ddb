package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// heapAndStacks is what the Go runtime holds for live objects and
// goroutine stacks, after a full collection.
func heapAndStacks() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// settle waits until started reaches n and the goroutines have had time
// to park (a goroutine's stack grows when it runs, not when it is made).
func settle(started *atomic.Int64, n int) {
	for started.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
}

// idleGoroutineProcesses: bytes per goroutine-backed vm process waiting
// in Receive.
func idleGoroutineProcesses(n int) float64 {
	rt := vm.New(vm.Config{Node: "m@h", Creation: 1})
	defer rt.Shutdown()
	before := heapAndStacks()
	var started atomic.Int64
	for i := 0; i < n; i++ {
		_, _, _ = rt.Spawn(func(p *vm.Process) term.Term {
			started.Add(1)
			_, _ = p.Receive(p.Context(), nil, vm.Infinity)
			return vm.Normal
		}, vm.SpawnOptions{})
	}
	settle(&started, n)
	return float64(heapAndStacks()-before) / float64(n)
}

// idleHandlerProcesses: bytes per SpawnHandler process waiting for a
// message (no goroutine while idle).
func idleHandlerProcesses(n int) float64 {
	rt := vm.New(vm.Config{Node: "m@h", Creation: 1})
	defer rt.Shutdown()
	before := heapAndStacks()
	for i := 0; i < n; i++ {
		_, _, _ = rt.SpawnHandler(func(p *vm.Process, m term.Term) term.Term { return vm.Normal }, vm.SpawnOptions{})
	}
	return float64(heapAndStacks()-before) / float64(n)
}

// floorMailbox is the least a process needs: a queue, its lock and a
// wake-up channel.
type floorMailbox struct {
	mu     sync.Mutex
	q      []any
	notify chan struct{}
}

// idleFloor: bytes per parked goroutine with a mailbox, found by its id
// in a table — a minimal Go program doing what an idle goroutine-backed
// process does.
func idleFloor(n int) float64 {
	before := heapAndStacks()
	table := make(map[uint64]*floorMailbox)
	var started atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		m := &floorMailbox{notify: make(chan struct{}, 1)}
		table[uint64(i)] = m
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			<-m.notify
		}()
	}
	settle(&started, n)
	per := float64(heapAndStacks()-before) / float64(n)
	for _, m := range table {
		m.notify <- struct{}{}
	}
	wg.Wait()
	return per
}

// memChildEnv makes the benchmark binary measure one kind of idle
// process and print bytes per process: each kind is measured in a fresh
// Go runtime, whose goroutines start with the default 2 KiB stack (a
// runtime that has run deeper goroutines starts new ones with larger
// stacks, which would blur the comparison).
const memChildEnv = "AVMSH_BENCH_DIST_MEM"

// memChild runs the measure named by memChildEnv, if set, and exits.
func memChild() {
	spec := os.Getenv(memChildEnv)
	if spec == "" {
		return
	}
	kind, count, _ := strings.Cut(spec, ":")
	n, _ := strconv.Atoi(count)
	var v float64
	switch kind {
	case "handler":
		v = idleHandlerProcesses(n)
	case "goroutine":
		v = idleGoroutineProcesses(n)
	case "floor":
		v = idleFloor(n)
	default:
		fmt.Fprintln(os.Stderr, "unknown memory measure", kind)
		os.Exit(2)
	}
	fmt.Println(v)
	os.Exit(0)
}

// memFresh measures kind in a fresh process (memChild).
func memFresh(kind string, n int) (float64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", memChildEnv, kind, n))
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("memory measure %s: %w", kind, err)
	}
	return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
}
