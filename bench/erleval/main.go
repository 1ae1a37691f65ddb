package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

type workload struct {
	name, src string
	// iterations per round are n*mul/div.
	mul, div int
}

var workloads = []workload{
	{"arith", "X = 1 + 2 * 3, Y = X div 2, {X, Y}.", 20, 1},
	{"match", "{ok, [P, Q | _], #{k := V}} = {ok, [1, 2, 3], #{k => v}}, {P, Q, V}.", 20, 1},
	{"fib20", "fun Fib(0) -> 0; Fib(1) -> 1; Fib(N) -> Fib(N - 1) + Fib(N - 2) end(20).", 1, 20},
	{"lc1000", "[X * X || X <- L, X rem 3 =:= 0].", 1, 2},
	{"bin1k", "<< <<(X bxor 255):8>> || <<X>> <= B >>.", 1, 2},
	{"loop100k", "fun Lp(0, A) -> A; Lp(N, A) -> Lp(N - 1, A + N) end(100000, 0).", 1, 40},
}

const benchModule = `-module(erleval_bench).
-export([run/2]).
run(Src, N) ->
    L = lists:seq(1, 1000),
    B = list_to_binary([I rem 256 || I <- lists:seq(0, 1023)]),
    Bs = erl_eval:add_binding('B', B, erl_eval:add_binding('L', L, erl_eval:new_bindings())),
    {T, ok} = timer:tc(fun() -> loop(Src, Bs, N) end),
    T.
loop(_, _, 0) -> ok;
loop(Src, Bs, N) ->
    {ok, Ts, _} = erl_scan:string(Src),
    {ok, Es} = erl_parse:parse_exprs(Ts),
    ok = erl_eval:check_command(Es, Bs),
    {value, _, _} = erl_eval:exprs(Es, Bs),
    loop(Src, Bs, N - 1).
`

// nullHost: the workloads make no module calls or message passing.
type nullHost struct{}

func (nullHost) Call(ctx context.Context, m, f term.Atom, a []term.Term) (term.Term, error) {
	return nil, fmt.Errorf("unexpected call %s:%s/%d", m, f, len(a))
}
func (nullHost) Self() term.Pid                                 { return term.NewPid("bench@host", 1, 0, 1) }
func (nullHost) Send(ctx context.Context, d, m term.Term) error { return nil }
func (nullHost) Receive(ctx context.Context, match func(term.Term) bool, t time.Duration) (term.Term, bool, error) {
	return nil, false, nil
}

func goBindings() *eval.Bindings {
	l := make(term.List, 1000)
	for i := range l {
		l[i] = term.Int(i + 1)
	}
	b := make(term.Binary, 1024)
	for i := range b {
		b[i] = byte(i)
	}
	return eval.NewBindings(eval.Binding{Name: "L", Value: l}, eval.Binding{Name: "B", Value: b})
}

func runGo(src string, n int) (time.Duration, error) {
	bs := goBindings()
	ev := eval.New(nullHost{}, eval.Options{})
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < n; i++ {
		es, err := parse.String(src)
		if err != nil {
			return 0, err
		}
		if err := eval.Check(es, bs); err != nil {
			return 0, err
		}
		if _, _, err := ev.Exprs(ctx, es, bs); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func runBEAM(ctx context.Context, node *erltest.Node, src string, n int) (time.Duration, error) {
	r, err := node.Call(ctx, fmt.Sprintf("erleval_bench:run(%q, %d)", src, n))
	if err != nil {
		return 0, err
	}
	us, err := strconv.ParseInt(strings.TrimSpace(r.Text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad timing %q: %w", r.Text, err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func main() {
	n := flag.Int("n", 200, "base iteration count")
	rounds := flag.Int("rounds", 3, "rounds per workload (the median is reported)")
	flag.Parse()
	if err := run(*n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "erleval-bench:", err)
		os.Exit(1)
	}
}

func run(n, rounds int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	node, err := erltest.Launch(ctx, erltest.Options{Modules: map[string]string{"erleval_bench": benchModule}})
	if err != nil {
		return fmt.Errorf("start erl: %w", err)
	}
	defer node.Stop()
	fmt.Printf("| workload | iterations | avmsh/iter | BEAM erl_eval/iter | BEAM/avmsh |\n| --- | --- | --- | --- | --- |\n")
	for _, w := range workloads {
		iters := max(1, n*w.mul/w.div)
		if _, err := runGo(w.src, 1); err != nil { // warm up
			return fmt.Errorf("%s (Go): %w", w.name, err)
		}
		var gs, bs []time.Duration
		for r := 0; r < rounds; r++ {
			g, err := runGo(w.src, iters)
			if err != nil {
				return fmt.Errorf("%s (Go): %w", w.name, err)
			}
			b, err := runBEAM(ctx, node, w.src, iters)
			if err != nil {
				return fmt.Errorf("%s (BEAM): %w", w.name, err)
			}
			gs, bs = append(gs, g/time.Duration(iters)), append(bs, b/time.Duration(iters))
		}
		g, b := median(gs), median(bs)
		fmt.Printf("| %s | %d | %v | %v | %.1fx |\n", w.name, iters, g, b, float64(b)/float64(g))
	}
	return nil
}
