// Command dist benchmarks avmsh's distribution against BEAM in one run:
// fire-and-forget throughput (avmsh→BEAM, BEAM→avmsh, BEAM→BEAM),
// ping-pong round-trip time (avmsh↔BEAM vs BEAM↔BEAM) and the memory of
// 100k idle processes (avmsh vs BEAM). It prints a table with ratios.
//
//	go run ./bench/dist [-n 200000] [-rtt 20000] [-procs 100000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// bench.erl runs the BEAM side: counters, blasters and pongers.
const benchErl = `-module(bench).
-export([counter/1, blast/3, ponger/0, pinger/2, spawn_idle/1]).
%% counter(N): count N {m, I, Bin} messages, then tell the reporter.
counter(Report) -> spawn(fun() -> receive go -> count(Report, 0) end end).
count(Report, N) -> receive {m, _, _} -> count(Report, N + 1); {done, Want} when Want =:= N -> Report ! {counted, N}; {done, _} = D -> self() ! D, count(Report, N) end.
blast(To, N, Report) -> spawn(fun() -> B = binary:copy(<<"x">>, 32), send(To, 0, N, B), To ! {done, N}, Report ! sent end).
send(_, N, N, _) -> ok;
send(To, I, N, B) -> To ! {m, I, B}, send(To, I + 1, N, B).
ponger() -> spawn(fun Loop() -> receive {ping, From} -> From ! pong, Loop() end end).
pinger(To, N) -> {T, ok} = timer:tc(fun() -> ping(To, N) end), T.
ping(_, 0) -> ok;
ping(To, N) -> To ! {ping, self()}, receive pong -> ping(To, N - 1) end.
spawn_idle(N) ->
    erlang:garbage_collect(),
    Before = erlang:memory(processes),
    Ps = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    After = erlang:memory(processes),
    [P ! stop || P <- Ps],
    (After - Before) / N.
`

func main() {
	n := flag.Int("n", 200_000, "messages per throughput run")
	rtt := flag.Int("rtt", 20_000, "round trips per RTT run")
	procs := flag.Int("procs", 100_000, "idle processes for the memory run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE`")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*n, *rtt, *procs); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench/dist:", err)
		os.Exit(1)
	}
}

func run(n, rtt, procs int) error {
	ctx := context.Background()
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return err
	}
	defer ep.Stop()
	cookie := erltest.RandomName("c")
	mods := map[string]string{"bench": benchErl}
	a, err := erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port, Cookie: cookie, Modules: mods})
	if err != nil {
		return err
	}
	defer a.Stop()
	b, err := erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port, Cookie: cookie, Modules: mods})
	if err != nil {
		return err
	}
	defer b.Stop()
	av, err := node.Start(ctx, node.Config{
		Name: erltest.RandomName("avmsh") + "@127.0.0.1", Cookie: cookie, ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: ep.Port}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	defer av.Stop()
	me, _ := av.Runtime().NewProcess(vm.SpawnOptions{Name: "bench"})
	defer me.Exit(vm.Normal)
	ev := func(nd *erltest.Node, expr string) (string, error) {
		r, err := nd.Call(ctx, expr)
		return r.Text, err
	}
	// Wire everything up: a reporter on B and A that forwards to us.
	for _, nd := range []*erltest.Node{a, b} {
		if _, err := ev(nd, fmt.Sprintf("Me = {bench, '%s'}, pong = net_adm:ping('%s'), pong = net_adm:ping('%s')", av.Name(), a.Name, b.Name)); err != nil {
			return err
		}
	}
	if err := av.Ping(ctx, term.Atom(a.Name)); err != nil {
		return err
	}
	wait := func(tag string) (term.Tuple, error) {
		m, err := me.Receive(ctx, func(m term.Term) bool {
			t, ok := m.(term.Tuple)
			return ok && len(t) >= 1 && t[0] == term.Atom(tag)
		}, 120*time.Second)
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", tag, err)
		}
		return m.(term.Tuple), nil
	}
	waitAtom := func(tag string) error {
		_, err := me.Receive(ctx, func(m term.Term) bool { return m == term.Atom(tag) }, 120*time.Second)
		return err
	}
	fmt.Printf("distribution benchmark: %d messages per throughput run, %d round trips, %d idle processes\n", n, rtt, procs)
	fmt.Printf("OTP %s, %s, GOMAXPROCS=%d\n\n", otp(a), runtime.Version(), runtime.GOMAXPROCS(0))

	// BEAM → BEAM: B blasts to a counter on A.
	beamBeam, err := timeIt(func() error {
		if _, err := ev(a, "C1 = bench:counter(Me), C1 ! go"); err != nil {
			return err
		}
		if _, err := ev(a, fmt.Sprintf("rpc:call('%s', bench, blast, [C1, %d, Me])", b.Name, n)); err != nil {
			return err
		}
		_, err := wait("counted")
		return err
	})
	if err != nil {
		return err
	}
	me.Flush()
	// avmsh → BEAM: we blast to a counter on A.
	if _, err := ev(a, "C2 = bench:counter(Me), C2 ! go, Me ! {c2, C2}"); err != nil {
		return err
	}
	c2m, err := wait("c2")
	if err != nil {
		return err
	}
	c2 := c2m[1].(term.Pid)
	payload := term.Binary(strings.Repeat("x", 32))
	avBeam, err := timeIt(func() error {
		for i := 0; i < n; i++ {
			_ = me.Send(c2, term.Tuple{term.Atom("m"), term.Int(i), payload})
		}
		_ = me.Send(c2, term.Tuple{term.Atom("done"), term.Int(n)})
		_, err := wait("counted")
		return err
	})
	if err != nil {
		return err
	}
	me.Flush()
	// BEAM → avmsh: B blasts to us.
	beamAv, err := timeIt(func() error {
		if _, err := ev(b, fmt.Sprintf("bench:blast(Me, %d, Me)", n)); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if _, err := wait("m"); err != nil {
				return err
			}
		}
		if _, err := wait("done"); err != nil {
			return err
		}
		return waitAtom("sent")
	})
	if err != nil {
		return err
	}

	// RTT: BEAM↔BEAM measured on B; avmsh↔BEAM measured here.
	if _, err := ev(a, "P = bench:ponger(), Me ! {ponger, P}"); err != nil {
		return err
	}
	pm, err := wait("ponger")
	if err != nil {
		return err
	}
	ponger := pm[1].(term.Pid)
	bt, err := ev(b, fmt.Sprintf("P2 = rpc:call('%s', bench, ponger, []), bench:pinger(P2, %d)", a.Name, rtt))
	if err != nil {
		return err
	}
	beamUS, _ := strconv.ParseFloat(bt, 64)
	start := time.Now()
	for i := 0; i < rtt; i++ {
		_ = me.Send(ponger, term.Tuple{term.Atom("ping"), me.Self()})
		if _, err := me.Receive(ctx, func(m term.Term) bool { return m == term.Atom("pong") }, 10*time.Second); err != nil {
			return err
		}
	}
	avRTT := time.Since(start)

	// avmsh ↔ avmsh over loopback TCP, for reference: what our own
	// sender and receiver do when BEAM is not on either side.
	av2, err := node.Start(ctx, node.Config{
		Name: erltest.RandomName("avmsh2") + "@127.0.0.1", Cookie: cookie, ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: ep.Port}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	defer av2.Stop()
	sink, _ := av2.Runtime().NewProcess(vm.SpawnOptions{})
	pong2, _, _ := av2.Runtime().Spawn(func(p *vm.Process) term.Term {
		for {
			m, err := p.Receive(p.Context(), nil, vm.Infinity)
			if err != nil {
				return vm.Normal
			}
			if t, ok := m.(term.Tuple); ok && len(t) == 2 {
				_ = p.Send(t[1], term.Atom("pong"))
			}
		}
	}, vm.SpawnOptions{})
	if err := av.Connect(ctx, av2.Name()); err != nil {
		return err
	}
	avAv, err := timeIt(func() error {
		go func() {
			for i := 0; i < n; i++ {
				_ = me.Send(sink.Self(), term.Tuple{term.Atom("m"), term.Int(i), payload})
			}
		}()
		for i := 0; i < n; i++ {
			if _, err := sink.Receive(ctx, nil, 60*time.Second); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	start = time.Now()
	for i := 0; i < rtt; i++ {
		_ = me.Send(pong2.Self(), term.Tuple{term.Atom("ping"), me.Self()})
		if _, err := me.Receive(ctx, func(m term.Term) bool { return m == term.Atom("pong") }, 10*time.Second); err != nil {
			return err
		}
	}
	avAvRTT := time.Since(start)

	// Memory of idle processes.
	beamPer, err := ev(a, fmt.Sprintf("bench:spawn_idle(%d)", procs))
	if err != nil {
		return err
	}
	avPer := idleBytes(procs)

	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	fmt.Printf("%-36s %14s %14s %8s  %s\n", "measure", "avmsh", "BEAM", "ratio", "target")
	fmt.Printf("%-36s %12.0f/s %12.0f/s %7.2fx  >= 2.0x\n", "throughput avmsh→BEAM vs BEAM→BEAM", rate(avBeam), rate(beamBeam), rate(avBeam)/rate(beamBeam))
	fmt.Printf("%-36s %12.0f/s %12.0f/s %7.2fx  >= 2.0x\n", "throughput BEAM→avmsh vs BEAM→BEAM", rate(beamAv), rate(beamBeam), rate(beamAv)/rate(beamBeam))
	avRTTus := float64(avRTT.Microseconds()) / float64(rtt)
	beamRTTus := beamUS / float64(rtt)
	fmt.Printf("%-36s %12.1fus %12.1fus %7.2fx  <= 0.8x\n", "ping-pong RTT avmsh↔BEAM vs BEAM↔BEAM", avRTTus, beamRTTus, avRTTus/beamRTTus)
	fmt.Printf("%-36s %12.0f/s %14s\n", "(reference) throughput avmsh→avmsh", rate(avAv), "")
	fmt.Printf("%-36s %12.1fus %14s\n", "(reference) RTT avmsh↔avmsh", float64(avAvRTT.Microseconds())/float64(rtt), "")
	bp, _ := strconv.ParseFloat(beamPer, 64)
	fmt.Printf("%-36s %12.0f B %12.0f B %7.2fx  <= 4096 B\n", "memory per idle process", avPer, bp, avPer/bp)
	return nil
}

func timeIt(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func otp(n *erltest.Node) string {
	r, err := n.Call(context.Background(), "list_to_integer(erlang:system_info(otp_release))")
	if err != nil {
		return "?"
	}
	return r.Text
}

func idleBytes(n int) float64 {
	rt := vm.New(vm.Config{Node: "m@h", Creation: 1})
	defer rt.Shutdown()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i++ {
		_, _, _ = rt.Spawn(func(p *vm.Process) term.Term {
			_, _ = p.Receive(p.Context(), nil, vm.Infinity)
			return vm.Normal
		}, vm.SpawnOptions{})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return float64((after.HeapInuse+after.StackInuse)-(before.HeapInuse+before.StackInuse)) / float64(n)
}
