package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

type tool struct {
	name string
	args []string
	want string
	in   string // stdin
}

type options struct {
	runs                    int
	eval, erl, defaultBuild bool
	baseline                string
	keep                    string
	bins                    string
	cache                   string
}

func main() {
	var o options
	flag.IntVar(&o.runs, "runs", 30, "runs per tool")
	flag.BoolVar(&o.eval, "eval", false, "also compare `avmsh eval NODE '1+1.'` with `erl_call -e`")
	flag.BoolVar(&o.erl, "erl", false, "also time `erl -noshell -eval 'rpc:call(...)'` (~0.3 s a run)")
	flag.BoolVar(&o.defaultBuild, "defaultbuild", false, "build with the toolchain's defaults (cgo where available) instead of the release flags")
	flag.StringVar(&o.baseline, "baseline", "", "also time avmsh as built from this git `REVISION` (before/after in one run)")
	flag.StringVar(&o.keep, "keep", "", "build the binaries into `DIR` and keep them there (for profiling by hand)")
	flag.StringVar(&o.bins, "bin", "", "also time `avmsh rpc` of these prebuilt avmsh binaries (comma-separated paths) in the same rounds")
	flag.StringVar(&o.cache, "cache", cacheRead, "page-cache `STATE` of every binary measured: installed (written anew with write(2)), read (dropped from the page cache, read back by the warm-up run's page faults) or linked (as the linker left it)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/cli:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := workDir(o.keep)
	if err != nil {
		return err
	}
	if o.keep == "" {
		defer os.RemoveAll(dir)
	}
	bins := map[string]string{}
	for _, pkg := range []string{"./cmd/avmsh", "./bench/cli/hello", "./bench/cli/floor"} {
		bin := filepath.Join(dir, filepath.Base(pkg))
		if err := build(".", pkg, bin, o.defaultBuild); err != nil {
			return err
		}
		bins[filepath.Base(pkg)] = bin
	}
	bins["linkfloor"] = filepath.Join(dir, "linkfloor")
	if err := buildLinkFloor(dir, bins["linkfloor"], o.defaultBuild, "./cmd/avmsh"); err != nil {
		return err
	}
	cli, err := cliPackages(o.defaultBuild)
	if err != nil {
		return err
	}
	bins["clifloor"] = filepath.Join(dir, "clifloor")
	if err := buildLinkFloor(dir, bins["clifloor"], o.defaultBuild, cli...); err != nil {
		return err
	}
	bins["rpcfloor"] = filepath.Join(dir, "rpcfloor")
	if err := buildRPCLinkFloor(dir, bins["rpcfloor"], o.defaultBuild); err != nil {
		return err
	}
	if o.baseline != "" {
		if bins["baseline"], err = buildRevision(dir, o.baseline, o.defaultBuild); err != nil {
			return err
		}
	}
	extra := strings.FieldsFunc(o.bins, func(r rune) bool { return r == ',' })
	for _, bin := range bins {
		if err := settle(bin, o.cache); err != nil {
			return err
		}
	}
	for _, bin := range extra {
		if err := settle(bin, o.cache); err != nil {
			return err
		}
	}
	ctx := context.Background()
	n, err := erltest.Launch(ctx, erltest.Options{ShortNames: true})
	if err != nil {
		return err
	}
	defer n.Stop()
	alive := n.Alive()
	env := append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(n.EpmdPort), "AVMSH_COOKIE="+n.Cookie)
	erlCall := "/usr/lib/erlang/bin/erl_call"
	if _, err := os.Stat(erlCall); err != nil {
		erlCall = "erl_call"
	}
	tools := []tool{
		{name: "avmsh rpc", args: []string{bins["avmsh"], "rpc", alive, "erlang", "node"}, want: n.Name},
		{name: "erl_call -a", args: []string{erlCall, "-sname", alive, "-c", n.Cookie, "-a", "erlang node []"}, want: n.Name},
		{name: "floor (Go)", args: []string{bins["floor"], alive}, want: n.Name},
		{name: "floor, avmsh's deps", args: []string{bins["rpcfloor"], alive}, want: n.Name},
		{name: "avmsh --version", args: []string{bins["avmsh"], "--version"}, want: "avmsh "},
		{name: "hello (Go)", args: []string{bins["hello"]}, want: "hello"},
		{name: "hello, avmsh's deps", args: []string{bins["linkfloor"]}, want: "hello"},
		{name: "hello, CLI deps", args: []string{bins["clifloor"]}, want: "hello"},
	}
	if b := bins["baseline"]; b != "" {
		tools = append(tools,
			tool{name: "baseline rpc", args: []string{b, "rpc", alive, "erlang", "node"}, want: n.Name},
			tool{name: "baseline --version", args: []string{b, "--version"}, want: "avmsh "})
	}
	for _, b := range extra {
		tools = append(tools, tool{name: "rpc " + filepath.Base(b), args: []string{b, "rpc", alive, "erlang", "node"}, want: n.Name})
	}
	if o.eval {
		tools = append(tools,
			tool{name: "avmsh eval 1+1", args: []string{bins["avmsh"], "eval", alive, "1+1."}, want: "2"},
			tool{name: "erl_call -e 1+1", args: []string{erlCall, "-sname", alive, "-c", n.Cookie, "-e"}, want: "2", in: "1+1.\n"},
		)
	}
	if o.erl {
		tools = append(tools, tool{name: "erl -eval rpc:call", args: []string{"erl", "-noshell", "-sname", erltest.RandomName("b"),
			"-setcookie", n.Cookie, "-start_epmd", "false",
			"-eval", fmt.Sprintf("io:format(\"~s~n\", [rpc:call('%s', erlang, node, [])]), halt().", n.Name)}, want: n.Name})
	}
	results, err := measure(tools, env, o.runs)
	if err != nil {
		return err
	}
	how := "release flags: CGO_ENABLED=0 -trimpath -ldflags='-s -w'"
	if o.defaultBuild {
		how = "toolchain defaults"
	}
	how += "; page cache: " + o.cache
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("One-shot CLI runs against one OTP node, %d interleaved runs each (%s; load average %s)\n\n",
		o.runs, how, strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	report(tools, results, env)
	ratio := func(a, b string) float64 { return ms(results[a].median()) / ms(results[b].median()) }
	fmt.Println()
	fmt.Printf("avmsh rpc / erl_call:      %.2fx (target <= 1.0x)\n", ratio("avmsh rpc", "erl_call -a"))
	fmt.Printf("avmsh rpc / floor:         %.2fx (target where erl_call is beyond the floor: <= 1.10x)\n", ratio("avmsh rpc", "floor (Go)"))
	fmt.Printf("floor / erl_call:          %.2fx (what a Go process costs over a C one)\n", ratio("floor (Go)", "erl_call -a"))
	fmt.Printf("avmsh rpc / rpc link floor: %.2fx (the floor linking every package avmsh links: one binary's floor)\n", ratio("avmsh rpc", "floor, avmsh's deps"))
	fmt.Printf("rpc link floor / floor:     %.2fx (what linking avmsh's packages costs the floor)\n", ratio("floor, avmsh's deps", "floor (Go)"))
	fmt.Printf("avmsh --version / hello:   %.2fx (target <= 1.5x)\n", ratio("avmsh --version", "hello (Go)"))
	fmt.Printf("hello linking avmsh's deps / hello:   %.2fx (the floor of one binary linking them)\n", ratio("hello, avmsh's deps", "hello (Go)"))
	fmt.Printf("avmsh --version / that floor:         %.2fx\n", ratio("avmsh --version", "hello, avmsh's deps"))
	fmt.Printf("hello linking the CLI's deps / hello: %.2fx (without the dashboard's packages)\n", ratio("hello, CLI deps", "hello (Go)"))
	if o.eval {
		fmt.Printf("avmsh eval / erl_call -e:  %.2fx (target <= 1.0x)\n", ratio("avmsh eval 1+1", "erl_call -e 1+1"))
	}
	if o.baseline != "" {
		fmt.Printf("avmsh rpc / baseline:      %.2fx (%s)\n", ratio("avmsh rpc", "baseline rpc"), o.baseline)
		fmt.Printf("--version / baseline:      %.2fx\n", ratio("avmsh --version", "baseline --version"))
	}
	for _, b := range extra {
		fmt.Printf("rpc %s / avmsh rpc: %.2fx\n", filepath.Base(b), ratio("rpc "+filepath.Base(b), "avmsh rpc"))
	}
	if o.erl {
		fmt.Printf("erl / avmsh rpc:           %.1fx\n", ratio("erl -eval rpc:call", "avmsh rpc"))
	}
	return nil
}

// workDir is where the binaries are built: keep, made if need be, or a
// new temporary directory.
func workDir(keep string) (string, error) {
	if keep == "" {
		return os.MkdirTemp("", "benchcli")
	}
	if err := os.MkdirAll(keep, 0o755); err != nil {
		return "", err
	}
	return filepath.Abs(keep)
}

// buildRevision builds avmsh as it was at a git revision (exported with
// git archive into dir).
func buildRevision(dir, rev string, defaultBuild bool) (string, error) {
	src := filepath.Join(dir, "baseline-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	archive := exec.Command("sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", rev, src)
	if out, err := archive.CombinedOutput(); err != nil {
		return "", fmt.Errorf("export %s: %v\n%s", rev, err, out)
	}
	bin := filepath.Join(dir, "avmsh-baseline")
	return bin, build(src, "./cmd/avmsh", bin, defaultBuild)
}

func build(dir, pkg, bin string, defaultBuild bool, extra ...string) error {
	args := append([]string{"build", "-o", bin}, extra...)
	env := os.Environ()
	if !defaultBuild {
		// As goreleaser.yaml builds a release (which stamps the version).
		args = append(args, "-trimpath", "-ldflags=-s -w -X main.version=v0.0.0-bench -X main.commit=bench -X main.date=2026-01-01T00:00:00Z")
		env = append(env, "CGO_ENABLED=0")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", pkg, err, out)
	}
	return nil
}

// measure runs every tool runs times, interleaved, each round in a
// random order.
func measure(tools []tool, env []string, runs int) (map[string]samples, error) {
	results := map[string]samples{}
	for _, t := range tools { // warm the page cache
		if _, _, err := runOnce(t, env); err != nil {
			return nil, err
		}
	}
	for r := 0; r < runs; r++ {
		for _, i := range rand.Perm(len(tools)) {
			t := tools[i]
			s, out, err := runOnce(t, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %v\n%s", t.name, err, out)
			}
			if !strings.Contains(out, t.want) {
				return nil, fmt.Errorf("%s printed %q, want %q", t.name, out, t.want)
			}
			results[t.name] = append(results[t.name], s)
		}
	}
	return results, nil
}

func runOnce(t tool, env []string) (sample, string, error) {
	cmd := exec.Command(t.args[0], t.args[1:]...)
	cmd.Env = env
	if t.in != "" {
		cmd.Stdin = strings.NewReader(t.in)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	s.usage(cmd.ProcessState)
	return s, out.String(), err
}

func report(tools []tool, results map[string]samples, env []string) {
	fmt.Printf("%-20s %9s %9s %9s %9s %8s %8s %9s\n", "tool", "median", "p10", "p90", "CPU", "minflt", "ctxsw", "syscalls")
	for _, t := range tools {
		s := results[t.name]
		fmt.Printf("%-20s %7.2fms %7.2fms %7.2fms %7.2fms %8d %8d %9s\n", t.name,
			ms(s.median()), ms(s.pct(10)), ms(s.pct(90)), ms(s.medianCPU()), s.medianInt(func(x sample) int64 { return x.minflt }),
			s.medianInt(func(x sample) int64 { return x.ctxsw }), syscalls(t, env))
	}
}

// syscalls counts the system calls of one run of t, all threads, with
// strace -f -c ("-" when strace is missing).
func syscalls(t tool, env []string) string {
	if _, err := exec.LookPath("strace"); err != nil {
		return "-"
	}
	cmd := exec.Command("strace", append([]string{"-f", "-c", "-o", "/dev/stderr", "--"}, t.args...)...)
	cmd.Env = env
	if t.in != "" {
		cmd.Stdin = strings.NewReader(t.in)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return "-"
	}
	// The summary's last line: "100.00 ... TOTAL_CALLS [ERRORS] total".
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 5 || f[len(f)-1] != "total" {
		return "-"
	}
	return f[3]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
