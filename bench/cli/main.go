// Command cli measures whole-process wall time and peak memory of one RPC
// from the command line, against the same running OTP node in one run:
//
//	avmsh rpc NODE erlang node
//	erl_call -sname NODE -a 'erlang node []'
//	erl -noshell -eval 'rpc:call(NODE, erlang, node, [])'
//	avmsh eval NODE '1+1.'   vs   erl_call -e   (with -eval)
//
// It builds avmsh first. Usage: go run ./bench/cli [-runs 20] [-eval]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

type sample struct {
	wall time.Duration
	rss  int64 // KiB
}

type tool struct {
	name string
	args []string
	want string
}

func main() {
	runs := flag.Int("runs", 20, "runs per tool")
	eval := flag.Bool("eval", false, "also compare `avmsh eval NODE '1+1.'` with `erl_call -e`")
	flag.Parse()
	if err := run(*runs, *eval); err != nil {
		fmt.Fprintln(os.Stderr, "bench/cli:", err)
		os.Exit(1)
	}
}

func run(runs int, eval bool) error {
	dir, err := os.MkdirTemp("", "benchcli")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "avmsh")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/avmsh").CombinedOutput(); err != nil {
		return fmt.Errorf("build avmsh: %v\n%s", err, out)
	}
	ctx := context.Background()
	n, err := erltest.Launch(ctx, erltest.Options{ShortNames: true})
	if err != nil {
		return err
	}
	defer n.Stop()
	alive := n.Alive()
	env := append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(n.EpmdPort), "AVMSH_COOKIE="+n.Cookie)
	want := n.Name
	tools := []tool{
		{"avmsh rpc", []string{bin, "rpc", alive, "erlang", "node"}, want},
		{"erl_call -a", []string{"erl_call", "-sname", alive, "-c", n.Cookie, "-a", "erlang node []"}, want},
		{"erl -eval rpc:call", []string{"erl", "-noshell", "-sname", erltest.RandomName("b"), "-setcookie", n.Cookie, "-start_epmd", "false",
			"-eval", fmt.Sprintf("io:format(\"~s~n\", [rpc:call('%s', erlang, node, [])]), halt().", n.Name)}, want},
	}
	if eval {
		tools = append(tools,
			tool{"avmsh eval 1+1", []string{bin, "eval", alive, "1+1."}, "2"},
			tool{"erl_call -e 1+1", []string{"erl_call", "-sname", alive, "-c", n.Cookie, "-e"}, "2"},
		)
	}
	results := map[string][]sample{}
	// Interleave the tools so load changes hit them alike.
	for r := 0; r < runs; r++ {
		for _, t := range tools {
			s, out, err := runOnce(t, env)
			if err != nil {
				return fmt.Errorf("%s: %v\n%s", t.name, err, out)
			}
			if !strings.Contains(out, t.want) {
				return fmt.Errorf("%s printed %q, want %q", t.name, out, t.want)
			}
			results[t.name] = append(results[t.name], s)
		}
	}
	fmt.Printf("CLI round trip against one OTP node, %d runs each (median wall time, peak RSS)\n\n", runs)
	fmt.Printf("%-20s %10s %10s %10s %10s\n", "tool", "median", "p90", "peak RSS", "vs avmsh")
	base := median(results[tools[0].name])
	for _, t := range tools {
		s := results[t.name]
		m := median(s)
		fmt.Printf("%-20s %8.1fms %8.1fms %8dKiB %9.1fx\n", t.name, ms(m), ms(p90(s)), maxRSS(s), ms(m)/ms(base))
	}
	fmt.Printf("\navmsh rpc / erl_call: %.2fx (target <= 1.0x); erl / avmsh rpc: %.1fx (target >= 40x)\n",
		ms(base)/ms(median(results["erl_call -a"])), ms(median(results["erl -eval rpc:call"]))/ms(base))
	if eval {
		fmt.Printf("avmsh eval / erl_call -e: %.2fx (target <= 1.0x)\n", ms(median(results["avmsh eval 1+1"]))/ms(median(results["erl_call -e 1+1"])))
	}
	return nil
}

func runOnce(t tool, env []string) (sample, string, error) {
	cmd := exec.Command(t.args[0], t.args[1:]...)
	cmd.Env = env
	if strings.HasSuffix(t.name, "-e 1+1") {
		cmd.Stdin = strings.NewReader("1+1.\n")
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return sample{wall, rss}, string(out), err
}

func median(s []sample) time.Duration { return pct(s, 50) }
func p90(s []sample) time.Duration    { return pct(s, 90) }

func pct(s []sample, p int) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.wall
	}
	slices.Sort(d)
	return d[(len(d)-1)*p/100]
}

func maxRSS(s []sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.rss)
	}
	return m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
