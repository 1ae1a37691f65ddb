package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/term"
)

type workload struct {
	name string
	fmt  string
	args []term.Term
	n    int // iterations (scaled down for large terms)
}

func workloads(n int) []workload {
	list := make(term.List, 100_000)
	for i := range list {
		list[i] = term.Int(i)
	}
	bin := make(term.Binary, 1<<20)
	for i := range bin {
		bin[i] = byte(i)
	}
	text := make(term.Binary, 1<<20)
	for i := range text {
		text[i] = 'a' + byte(i%26)
	}
	recs := make(term.List, 1000)
	for i := range recs {
		recs[i] = term.Tuple{term.Atom("user"), term.Int(i), term.String(fmt.Sprintf("name %d", i)),
			term.NewMap(term.KV{Key: term.Atom("admin"), Value: term.Bool(i%7 == 0)}, term.KV{Key: term.Atom("tags"), Value: term.List{term.Atom("a"), term.Atom("b")}})}
	}
	small := term.Tuple{term.Atom("ok"), term.List{term.Int(1), term.Float(2.5), term.String("three")}, term.Binary("four")}
	return []workload{
		{"~w small tuple", "~w", []term.Term{small}, n * 500},
		{"~p small tuple", "~p", []term.Term{small}, n * 500},
		{"status line", "~s: ~w (~.2f%)~n", []term.Term{term.String("load"), term.Atom("high"), term.Float(87.456)}, n * 500},
		{"~w 1000 records", "~w", []term.Term{recs}, n},
		{"~p 1000 records", "~p", []term.Term{recs}, n},
		{"~w 100k-int list", "~w", []term.Term{list}, max(1, n/20)},
		{"~p 100k-int list", "~p", []term.Term{list}, max(1, n/20)},
		{"~w 1 MB binary", "~w", []term.Term{bin}, max(1, n/40)},
		{"~p 1 MB text binary", "~p", []term.Term{text}, max(1, n/40)},
	}
}

func main() {
	n := flag.Int("n", 200, "base iteration count")
	rounds := flag.Int("rounds", 3, "rounds per workload (the median is reported)")
	flag.Parse()
	if err := run(*n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "syntax-bench:", err)
		os.Exit(1)
	}
}

// run starts the node, measures every workload and stops the node (and
// its private epmd) before returning, also on errors.
func run(n, rounds int) error {
	ctx := context.Background()
	node, err := erltest.Launch(ctx, erltest.Options{})
	if err != nil {
		return err
	}
	defer node.Stop()
	dir, err := os.MkdirTemp("", "syntax-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("%-22s %12s %12s %8s\n", "workload", "avmsh/call", "BEAM/call", "BEAM/Go")
	for _, w := range workloads(n) {
		path := filepath.Join(dir, "args.etf")
		b, err := etf.Marshal(term.List(w.args))
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
		if _, err := node.Call(ctx, fmt.Sprintf(`put(bench_args, binary_to_term(element(2, file:read_file(%q)))), ok`, path)); err != nil {
			return err
		}
		var goT, beamT []time.Duration
		for i := 0; i < min(w.n, 100); i++ { // warm up
			if _, err := iolib.Format(w.fmt, w.args, iolib.Options{}); err != nil {
				return err
			}
		}
		for r := 0; r < rounds; r++ {
			start := time.Now()
			for i := 0; i < w.n; i++ {
				if _, err := iolib.Format(w.fmt, w.args, iolib.Options{}); err != nil {
					return err
				}
			}
			goT = append(goT, time.Since(start)/time.Duration(w.n))
			res, err := node.Call(ctx, fmt.Sprintf(`element(1, timer:tc(fun() -> lists:foreach(fun(_) -> unicode:characters_to_binary(io_lib:format(%q, get(bench_args))) end, lists:seq(1, %d)) end))`, w.fmt, w.n))
			if err != nil {
				return err
			}
			us, err := strconv.ParseInt(strings.TrimSpace(res.Text), 10, 64)
			if err != nil {
				return fmt.Errorf("timer:tc returned %q", res.Text)
			}
			beamT = append(beamT, time.Duration(us)*time.Microsecond/time.Duration(w.n))
		}
		g, e := median(goT), median(beamT)
		fmt.Printf("%-22s %12v %12v %7.1fx\n", w.name, g, e, float64(e)/float64(g))
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
