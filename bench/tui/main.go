//go:build !windows

// Command tui measures the dashboard at scale: it starts N real BEAM
// nodes (default 50, loopback, one private OTP epmd), runs `avmsh` in a
// tmux terminal polling them at 1 Hz, and reports
//
//   - the time from avmsh's start until every node shows "up" with its
//     OTP version (target ≤ 5 s),
//
//   - avmsh's CPU while it polls them (target ≤ 5 % of one core),
//
//   - avmsh's RSS idle (before the nodes appear) and while polling
//     (target ≤ 25 MiB idle).
//
// With -keys, the keys are sent (tmux send-keys) once every node is up
// and the CPU is measured with the view they lead to on screen (e.g.
// "Enter e": the first node's ETS pane). -bin runs a prebuilt avmsh
// (another version, for a comparison in the same conditions).
//
//	go run ./bench/tui [-nodes 50] [-window 20s] [-keys 'Down Enter'] [-bin PATH]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

func main() {
	nodes := flag.Int("nodes", 50, "BEAM nodes to start (bounded to 200)")
	window := flag.Duration("window", 20*time.Second, "how long to measure CPU while polling")
	keys := flag.String("keys", "", "tmux keys to send once every node is up, before measuring (space-separated: 'Down Enter e')")
	bin := flag.String("bin", "", "run this avmsh binary instead of building ./cmd/avmsh")
	flag.Parse()
	if err := run(min(*nodes, 200), *window, strings.Fields(*keys), *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/tui:", err)
		os.Exit(1)
	}
}

func tmux(socket string, args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
	return string(out), err
}

// procStat returns utime+stime in clock ticks and RSS in KiB.
func procStat(pid int) (ticks int64, rssKiB int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(s), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			rssKiB, _ = strconv.ParseInt(strings.Fields(l)[1], 10, 64)
		}
	}
	return ut + st, rssKiB, nil
}

func run(n int, window time.Duration, keys []string, prebuilt string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchtui")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := prebuilt
	if bin == "" {
		bin = filepath.Join(dir, "avmsh")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/avmsh").CombinedOutput(); err != nil {
			return fmt.Errorf("build avmsh: %v\n%s", err, out)
		}
	}
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return err
	}
	defer ep.Stop()
	cookie := "benchtui"

	// avmsh first, so that its idle RSS is measured with nothing to poll.
	socket := "avmsh-bench-" + erltest.RandomName("s")
	cmdline := fmt.Sprintf("env ERL_EPMD_PORT=%d AVMSH_COOKIE=%s TERM=xterm HOME=%s %s --name benchtui@127.0.0.1 --refresh 1s",
		ep.Port, cookie, dir, bin)
	if out, err := tmux(socket, "new-session", "-d", "-s", "m", "-x", "160", "-y", strconv.Itoa(n+8), cmdline); err != nil {
		return fmt.Errorf("tmux: %v %s", err, out)
	}
	defer tmux(socket, "kill-server")
	out, err := tmux(socket, "list-panes", "-t", "m", "-F", "#{pane_pid}")
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		return fmt.Errorf("pane pid %q", out)
	}
	time.Sleep(3 * time.Second)
	_, idleRSS, err := procStat(pid)
	if err != nil {
		return fmt.Errorf("avmsh is not running: %w", err)
	}

	// The nodes, started 8 at a time.
	fmt.Printf("starting %d BEAM nodes...\n", n)
	nodes := make([]*erltest.Node, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var firstErr error
	var mu sync.Mutex
	for i := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			nd, err := erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port, Cookie: cookie})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			nodes[i] = nd
		}()
	}
	wg.Wait()
	defer func() {
		for _, nd := range nodes {
			if nd != nil {
				nd.Stop()
			}
		}
	}()
	if firstErr != nil {
		return firstErr
	}
	ready := time.Now()
	var appear time.Duration
	for {
		screen, _ := tmux(socket, "capture-pane", "-p", "-t", "m")
		up := 0
		for _, nd := range nodes {
			for _, l := range strings.Split(screen, "\n") {
				if strings.Contains(l, nd.Name) && strings.Contains(l, " up ") && strings.Contains(l, "OTP") {
					up++
					break
				}
			}
		}
		if up == n {
			appear = time.Since(ready)
			break
		}
		if time.Since(ready) > 60*time.Second {
			return fmt.Errorf("only %d of %d nodes up after 60 s:\n%s", up, n, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(keys) > 0 {
		for _, k := range keys {
			if out, err := tmux(socket, "send-keys", "-t", "m", k); err != nil {
				return fmt.Errorf("tmux send-keys %s: %v %s", k, err, out)
			}
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(3 * time.Second) // the view's first polls
		screen, _ := tmux(socket, "capture-pane", "-p", "-t", "m")
		fmt.Printf("on screen after %v:\n%s\n", keys, strings.Join(strings.Split(screen, "\n")[:min(12, strings.Count(screen, "\n"))], "\n"))
	}
	t0, _, err := procStat(pid)
	if err != nil {
		return err
	}
	start := time.Now()
	time.Sleep(window)
	t1, pollRSS, err := procStat(pid)
	if err != nil {
		return err
	}
	const hz = 100 // USER_HZ on Linux
	cpu := float64(t1-t0) / hz / time.Since(start).Seconds() * 100

	what := "the cluster view on screen: one request per node per second"
	if len(keys) > 0 {
		what = fmt.Sprintf("after the keys %v", keys)
	}
	fmt.Printf("\navmsh dashboard with %d BEAM nodes, polling at 1 Hz (all nodes connected; %s)\n\n", n, what)
	fmt.Printf("%-46s %12s %10s\n", "measure", "avmsh", "target")
	fmt.Printf("%-46s %12s %10s\n", "all nodes up, from the last node's start", appear.Round(10*time.Millisecond), "≤ 5s")
	fmt.Printf("%-46s %11.1f%% %10s\n", fmt.Sprintf("CPU while polling (%v window)", window), cpu, "≤ 5%")
	fmt.Printf("%-46s %9.1f MiB %10s\n", "RSS idle (no nodes)", float64(idleRSS)/1024, "≤ 25 MiB")
	fmt.Printf("%-46s %9.1f MiB %10s\n", "RSS while polling", float64(pollRSS)/1024, "")
	return nil
}
