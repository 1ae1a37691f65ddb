//go:build !windows

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
	"sync"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

func main() {
	nodes := flag.Int("nodes", 50, "BEAM nodes to start (bounded to 200)")
	window := flag.Duration("window", 20*time.Second, "how long to measure CPU while polling")
	keys := flag.String("keys", "", "tmux keys to send once every node is up, before measuring (space-separated: 'Down Enter e')")
	bins := flag.String("bin", "", "run these avmsh binaries (comma-separated, side by side) instead of building ./cmd/avmsh")
	flag.Parse()
	var list []string
	if *bins != "" {
		list = strings.Split(*bins, ",")
	}
	if err := run(min(*nodes, 200), *window, strings.Fields(*keys), list); err != nil {
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

// dashboard is one avmsh running in its own tmux server.
type dashboard struct {
	bin     string
	socket  string
	pid     int
	idleRSS int64
	appear  time.Duration
}

// startDashboard runs bin in a terminal tall enough to list n nodes and
// the other dashboards (they see each other in epmd).
func startDashboard(bin string, i, n, epmdPort int, cookie, home string) (*dashboard, error) {
	d := &dashboard{bin: bin, socket: "avmsh-bench-" + erltest.RandomName("s")}
	cmdline := fmt.Sprintf("env ERL_EPMD_PORT=%d AVMSH_COOKIE=%s TERM=xterm HOME=%s %s --name benchtui%d@127.0.0.1 --refresh 1s",
		epmdPort, cookie, home, bin, i)
	if out, err := tmux(d.socket, "new-session", "-d", "-s", "m", "-x", "160", "-y", strconv.Itoa(n+8), cmdline); err != nil {
		return nil, fmt.Errorf("tmux: %v %s", err, out)
	}
	out, err := tmux(d.socket, "list-panes", "-t", "m", "-F", "#{pane_pid}")
	if err != nil {
		d.stop()
		return nil, err
	}
	if d.pid, err = strconv.Atoi(strings.TrimSpace(out)); err != nil {
		d.stop()
		return nil, fmt.Errorf("pane pid %q", out)
	}
	return d, nil
}

func (d *dashboard) stop() { _, _ = tmux(d.socket, "kill-server") }

func (d *dashboard) screen() string {
	s, _ := tmux(d.socket, "capture-pane", "-p", "-t", "m")
	return s
}

// waitUp waits until every node shows up with its OTP version.
func (d *dashboard) waitUp(nodes []*erltest.Node, since time.Time) error {
	for {
		screen := d.screen()
		up := 0
		for _, nd := range nodes {
			for _, l := range strings.Split(screen, "\n") {
				if strings.Contains(l, nd.Name) && strings.Contains(l, " up ") && strings.Contains(l, "OTP") {
					up++
					break
				}
			}
		}
		if up == len(nodes) {
			d.appear = time.Since(since)
			return nil
		}
		if time.Since(since) > 60*time.Second {
			return fmt.Errorf("%s: only %d of %d nodes up after 60 s:\n%s", d.bin, up, len(nodes), screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func startNodes(ctx context.Context, n, epmdPort int, cookie string) ([]*erltest.Node, error) {
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
			nd, err := erltest.Launch(ctx, erltest.Options{EpmdPort: epmdPort, Cookie: cookie})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			nodes[i] = nd
		}()
	}
	wg.Wait()
	return nodes, firstErr
}

func run(n int, window time.Duration, keys []string, bins []string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchtui")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if len(bins) == 0 {
		bin := filepath.Join(dir, "avmsh")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/avmsh").CombinedOutput(); err != nil {
			return fmt.Errorf("build avmsh: %v\n%s", err, out)
		}
		bins = []string{bin}
	}
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return err
	}
	defer ep.Stop()
	cookie := "benchtui"

	// The dashboards first, so that their idle RSS is measured with
	// nothing to poll.
	var dashes []*dashboard
	defer func() {
		for _, d := range dashes {
			d.stop()
		}
	}()
	for i, bin := range bins {
		d, err := startDashboard(bin, i, n+len(bins), ep.Port, cookie, dir)
		if err != nil {
			return err
		}
		dashes = append(dashes, d)
	}
	time.Sleep(3 * time.Second)
	for _, d := range dashes {
		if _, d.idleRSS, err = procStat(d.pid); err != nil {
			return fmt.Errorf("%s is not running: %w", d.bin, err)
		}
	}

	fmt.Printf("starting %d BEAM nodes...\n", n)
	nodes, err := startNodes(ctx, n, ep.Port, cookie)
	defer func() {
		for _, nd := range nodes {
			if nd != nil {
				nd.Stop()
			}
		}
	}()
	if err != nil {
		return err
	}
	ready := time.Now()
	for _, d := range dashes {
		if err := d.waitUp(nodes, ready); err != nil {
			return err
		}
	}
	for _, d := range dashes {
		for _, k := range keys {
			if out, err := tmux(d.socket, "send-keys", "-t", "m", k); err != nil {
				return fmt.Errorf("tmux send-keys %s: %v %s", k, err, out)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	if len(keys) > 0 {
		time.Sleep(3 * time.Second) // the view's first polls
		lines := strings.Split(dashes[0].screen(), "\n")
		fmt.Printf("on screen after %v:\n%s\n", keys, strings.Join(lines[:min(14, len(lines))], "\n"))
	}

	// CPU over the window; RSS read once a second, the median kept.
	t0 := make([]int64, len(dashes))
	for i, d := range dashes {
		if t0[i], _, err = procStat(d.pid); err != nil {
			return err
		}
	}
	start := time.Now()
	rss := make([][]int64, len(dashes))
	for time.Since(start) < window {
		time.Sleep(time.Second)
		for i, d := range dashes {
			if _, r, err := procStat(d.pid); err == nil {
				rss[i] = append(rss[i], r)
			}
		}
	}
	elapsed := time.Since(start)
	what := "the cluster view on screen: one request per node per second"
	if len(keys) > 0 {
		what = fmt.Sprintf("after the keys %v", keys)
	}
	fmt.Printf("\navmsh dashboard with %d BEAM nodes, polling at 1 Hz (all nodes connected; %s)\n", n, what)
	for i, d := range dashes {
		t1, _, err := procStat(d.pid)
		if err != nil {
			return err
		}
		const hz = 100 // USER_HZ on Linux
		cpu := float64(t1-t0[i]) / hz / elapsed.Seconds() * 100
		slices.Sort(rss[i])
		med := rss[i][len(rss[i])/2]
		fmt.Printf("\n%s\n%-46s %12s %10s\n", d.bin, "measure", "avmsh", "target")
		fmt.Printf("%-46s %12s %10s\n", "all nodes up, from the last node's start", d.appear.Round(10*time.Millisecond), "≤ 5s")
		fmt.Printf("%-46s %11.1f%% %10s\n", fmt.Sprintf("CPU while polling (%v window)", window), cpu, "≤ 5%")
		fmt.Printf("%-46s %9.1f MiB %10s\n", "RSS idle (no nodes)", float64(d.idleRSS)/1024, "≤ 25 MiB")
		fmt.Printf("%-46s %9.1f MiB %10s\n", "RSS while polling (median of the window)", float64(med)/1024, "≤ 40 MiB")
	}
	return nil
}
