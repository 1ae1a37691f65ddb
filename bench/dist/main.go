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
	"runtime/trace"
	"strings"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

type options struct {
	rounds, n, big, rtt, procs int
	only                       map[string]bool
}

func (o options) want(group string) bool { return len(o.only) == 0 || o.only[group] }

func main() {
	memChild()
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of every measure (medians are reported)")
	flag.IntVar(&o.n, "n", 200_000, "small messages per throughput run")
	flag.IntVar(&o.big, "big", 2_000, "64 KiB messages per throughput run")
	flag.IntVar(&o.rtt, "rtt", 20_000, "round trips per RTT run")
	flag.IntVar(&o.procs, "procs", 100_000, "idle processes for the memory run")
	only := flag.String("only", "", "comma-separated groups (tput,big,rtt,ref,mem) or measures (ab, baB, rttAB…) to run (default all)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE`")
	tracefile := flag.String("trace", "", "write an execution trace of the whole run to `FILE`")
	flag.Parse()
	if *only != "" {
		o.only = map[string]bool{}
		for _, g := range strings.Split(*only, ",") {
			o.only[strings.TrimSpace(g)] = true
		}
	}
	if *cpuprofile != "" {
		if f, err := os.Create(*cpuprofile); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if *tracefile != "" {
		if f, err := os.Create(*tracefile); err == nil {
			_ = trace.Start(f)
			defer trace.Stop()
		}
	}
	if err := run(o); err != nil {
		pprof.StopCPUProfile()
		trace.Stop()
		fmt.Fprintln(os.Stderr, "bench/dist:", err)
		os.Exit(1)
	}
}

// bench holds the nodes of one run.
type bench struct {
	ctx        context.Context
	a, b       *erltest.Node // BEAM: counters and pongers on a, blasters on b
	av, av2    *node.Node    // avmsh, and a second avmsh for the reference rows
	me         *vm.Process
	rawA, rawB *rawPeer // the floor, connected to a and to b
	rawD       *rawPeer // connected to b; decodes every packet it reads
	ponger     term.Pid // on a
}

func run(o options) error {
	ctx := context.Background()
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return err
	}
	defer ep.Stop()
	cookie := erltest.RandomName("c")
	mods := map[string]string{"bench": benchErl}
	bn := &bench{ctx: ctx}
	if bn.a, err = erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port, Cookie: cookie, Modules: mods}); err != nil {
		return err
	}
	defer bn.a.Stop()
	if bn.b, err = erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port, Cookie: cookie, Modules: mods}); err != nil {
		return err
	}
	defer bn.b.Stop()
	start := func(prefix string) (*node.Node, error) {
		return node.Start(ctx, node.Config{
			Name: erltest.RandomName(prefix) + "@127.0.0.1", Cookie: cookie, ListenAddr: "127.0.0.1:0",
			PortMapper: &epmd.PortMapper{Port: ep.Port}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}
	if bn.av, err = start("avmsh"); err != nil {
		return err
	}
	defer bn.av.Stop()
	if bn.av2, err = start("avmsh2"); err != nil {
		return err
	}
	defer bn.av2.Stop()
	if bn.me, err = bn.av.Runtime().NewProcess(vm.SpawnOptions{Name: "bench"}); err != nil {
		return err
	}
	defer bn.me.Exit(vm.Normal)
	if bn.rawA, err = dialRaw(ctx, ep.Port, erltest.RandomName("rawa")+"@127.0.0.1", bn.a.Name, cookie); err != nil {
		return err
	}
	defer bn.rawA.Close()
	if bn.rawB, err = dialRaw(ctx, ep.Port, erltest.RandomName("rawb")+"@127.0.0.1", bn.b.Name, cookie); err != nil {
		return err
	}
	defer bn.rawB.Close()
	if bn.rawD, err = dialRaw(ctx, ep.Port, erltest.RandomName("rawd")+"@127.0.0.1", bn.b.Name, cookie); err != nil {
		return err
	}
	defer bn.rawD.Close()
	if err := bn.wire(); err != nil {
		return err
	}

	fmt.Printf("distribution benchmark: %d rounds; %d small and %d 64 KiB messages per throughput run, %d round trips, %d idle processes\n",
		o.rounds, o.n, o.big, o.rtt, o.procs)
	fmt.Printf("OTP %s, %s, GOMAXPROCS=%d, %d CPUs, load average %s\n\n", otp(bn.a), runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), loadavg())
	var rounds []sample
	for r := 0; r < o.rounds; r++ {
		s, err := bn.round(o)
		if err != nil {
			return fmt.Errorf("round %d: %w\nerl a: %s\nerl b: %s", r+1, err, bn.a.Output(), bn.b.Output())
		}
		rounds = append(rounds, s)
		fmt.Fprintf(os.Stderr, "round %d done\n", r+1)
	}
	report(os.Stdout, rounds)
	return nil
}

// wire connects everything and tells the BEAM nodes our pids.
func (bn *bench) wire() error {
	for _, nd := range []*erltest.Node{bn.a, bn.b} {
		if _, err := bn.ev(nd, fmt.Sprintf("ok = bench:setup(), pong = net_adm:ping('%s'), pong = net_adm:ping('%s')", bn.a.Name, bn.b.Name)); err != nil {
			return err
		}
		if err := bn.av.Ping(bn.ctx, term.Atom(nd.Name)); err != nil {
			return err
		}
		for k, v := range map[string]term.Pid{"bench_me": bn.me.Self(), "bench_raw": bn.rawB.self, "bench_rawd": bn.rawD.self} {
			if err := bn.me.Send(term.Tuple{term.Atom("bench_setup"), term.Atom(nd.Name)}, term.Tuple{term.Atom("put"), term.Atom(k), v}); err != nil {
				return err
			}
		}
		// The setup process has taken both puts once this answers.
		if _, err := bn.ev(nd, "timer:sleep(50), {_, _, _} = {persistent_term:get(bench_me), persistent_term:get(bench_raw), persistent_term:get(bench_rawd)}"); err != nil {
			return err
		}
	}
	p, err := bn.evPid(bn.a, "bench:ponger()")
	if err != nil {
		return err
	}
	bn.ponger = p
	if _, err := bn.ev(bn.b, fmt.Sprintf("P2 = rpc:call('%s', bench, ponger, [])", bn.a.Name)); err != nil {
		return err
	}
	return bn.av.Connect(bn.ctx, bn.av2.Name())
}

func (bn *bench) ev(nd *erltest.Node, expr string) (string, error) {
	r, err := nd.Call(bn.ctx, expr)
	return r.Text, err
}

// evPid evaluates an expression whose value is a pid.
func (bn *bench) evPid(nd *erltest.Node, expr string) (term.Pid, error) {
	r, err := nd.Call(bn.ctx, expr)
	if err != nil {
		return term.Pid{}, err
	}
	t, _, err := etf.Decode(r.ETF, 0, nil)
	if err != nil {
		return term.Pid{}, err
	}
	p, ok := t.(term.Pid)
	if !ok {
		return term.Pid{}, fmt.Errorf("%s gave %v, not a pid", expr, t)
	}
	return p, nil
}

// wait takes the first message tagged tag.
func (bn *bench) wait(tag string) (term.Tuple, error) {
	m, err := bn.me.Receive(bn.ctx, func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) >= 1 && t[0] == term.Atom(tag)
	}, 5*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("waiting for %s: %w", tag, err)
	}
	return m.(term.Tuple), nil
}

// micros reads a microsecond time from element i of t.
func micros(t term.Tuple, i int) time.Time {
	v, _ := t[i].(term.Int)
	return time.UnixMicro(int64(v))
}

func otp(n *erltest.Node) string {
	r, err := n.Call(context.Background(), "list_to_integer(erlang:system_info(otp_release))")
	if err != nil {
		return "?"
	}
	return r.Text
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
