package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
)

func main() {
	dur := flag.Duration("d", 500*time.Millisecond, "measuring time per server, level and round")
	rounds := flag.Int("rounds", 5, "rounds per level (the median is reported)")
	levelsFlag := flag.String("levels", "1,4,16,64", "concurrent clients, comma-separated")
	names := flag.Int("names", 16, "registered names looked up round-robin")
	inProcess := flag.Bool("inprocess", false, "run avmsh's server inside the benchmark process instead of in a child process")
	serveProcs := flag.Int("serveprocs", 0, "GOMAXPROCS of avmsh's server child process (0: Go's default)")
	serve := flag.Int("serve", 0, "internal: run only avmsh's server on this port (the child process)")
	flag.Parse()
	if *serve != 0 {
		serveChild(*serve)
		return
	}
	var levels []int
	for _, f := range strings.Split(*levelsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("bad -levels entry %q", f))
		}
		levels = append(levels, n)
	}
	if *rounds < 1 {
		fatal(errors.New("-rounds must be at least 1"))
	}
	if err := run(*dur, *rounds, levels, *names, *inProcess, *serveProcs); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "epmd-bench:", err)
	os.Exit(1)
}

// server is one epmd under test.
type server struct {
	label string
	addr  string
	pid   int // 0: in this process (no separate CPU accounting)
	stop  func()
}

func run(dur time.Duration, rounds int, levels []int, names int, inProcess bool, serveProcs int) error {
	ctx := context.Background()
	otp, err := startOTP(ctx)
	if err != nil {
		return err
	}
	defer otp.stop()
	ours, err := startOurs(ctx, inProcess, serveProcs)
	if err != nil {
		return err
	}
	defer ours.stop()
	servers := []*server{ours, otp}
	for _, s := range servers {
		c := epmd.NewClient(s.addr)
		for i := range names {
			r, err := c.Register(ctx, epmd.NodeInfo{Name: fmt.Sprintf("bench%d", i), Port: uint16(30000 + i)})
			if err != nil {
				return fmt.Errorf("%s: %w", s.label, err)
			}
			defer r.Close()
		}
	}

	where := "child process"
	if serveProcs > 0 {
		where += fmt.Sprintf(", GOMAXPROCS=%d", serveProcs)
	}
	if inProcess {
		where = "inside the client's process"
	}
	fmt.Printf("epmd PORT_PLEASE2 lookups/s, same Go client: avmsh server (%s) vs OTP %s epmd\n", where, otpRelease())
	fmt.Printf("%d CPUs, GOMAXPROCS=%d, %v per measurement, median of %d rounds, %d names\n\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), dur, rounds, names)
	fmt.Printf("%8s %12s %12s %7s %16s %16s\n", "clients", "avmsh/s", "otp/s", "ratio", "avmsh µs CPU/op", "otp µs CPU/op")
	for _, level := range levels {
		rate := map[string][]float64{}
		cpu := map[string][]float64{}
		for r := range rounds {
			order := []*server{ours, otp}
			if r%2 == 1 {
				order = []*server{otp, ours}
			}
			for _, s := range order {
				rt, cp, err := measure(ctx, s, level, names, dur)
				if err != nil {
					return fmt.Errorf("%s at %d clients: %w", s.label, level, err)
				}
				rate[s.label] = append(rate[s.label], rt)
				cpu[s.label] = append(cpu[s.label], cp)
			}
		}
		a, o := median(rate[ours.label]), median(rate[otp.label])
		fmt.Printf("%8d %12.0f %12.0f %6.2fx %16s %16s\n", level, a, o, a/o, cpuCell(ours, cpu[ours.label]), cpuCell(otp, cpu[otp.label]))
	}
	return nil
}

func cpuCell(s *server, v []float64) string {
	if s.pid == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", median(v))
}

// measure runs level clients doing lookups for dur; it returns lookups/s
// and the server's CPU microseconds per lookup (0 when not measurable).
func measure(ctx context.Context, s *server, level, names int, dur time.Duration) (float64, float64, error) {
	c := &epmd.Client{Addr: s.addr, Timeout: 10 * time.Second}
	var count atomic.Int64
	var firstErr error
	var once sync.Once
	cpu0 := cpuNanos(s.pid)
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range level {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i++ {
				info, err := c.Lookup(ctx, "bench"+strconv.Itoa(i%names))
				if err == nil && int(info.Port) != 30000+i%names {
					err = errors.New("wrong port in answer")
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1 := cpuNanos(s.pid)
	if firstErr != nil {
		return 0, 0, firstErr
	}
	n := float64(count.Load())
	var perOp float64
	if s.pid != 0 && n > 0 {
		perOp = float64(cpu1-cpu0) / 1e3 / n
	}
	return n / elapsed.Seconds(), perOp, nil
}

// cpuNanos is the CPU time of process pid (all threads) from
// /proc/PID/schedstat; 0 when unknown.
func cpuNanos(pid int) int64 {
	if pid == 0 {
		return 0
	}
	var total int64
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			v, _ := strconv.ParseInt(f[0], 10, 64)
			total += v
		}
	}
	return total
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// startOTP runs OTP's epmd in the foreground on a free loopback port.
func startOTP(ctx context.Context) (*server, error) {
	if _, err := exec.LookPath("epmd"); err != nil {
		return nil, fmt.Errorf("OTP's epmd is not installed (apt-get install erlang-nox): %w", err)
	}
	return startChild(ctx, "otp", func(port int) *exec.Cmd {
		return exec.Command("epmd", "-port", strconv.Itoa(port), "-address", "127.0.0.1")
	})
}

// startOurs runs avmsh's server in this process or in a child process.
func startOurs(ctx context.Context, inProcess bool, procs int) (*server, error) {
	if inProcess {
		s := epmd.NewServer(epmd.Config{Port: epmd.AnyPort, LoopbackOnly: true})
		if err := s.Start(); err != nil {
			return nil, err
		}
		return &server{label: "avmsh", addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())), stop: func() { _ = s.Close() }}, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startChild(ctx, "avmsh", func(port int) *exec.Cmd {
		cmd := exec.Command(self, "-serve", strconv.Itoa(port))
		if procs > 0 {
			cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
		}
		return cmd
	})
}

// startChild starts an epmd process on a free port and waits until it
// answers NAMES.
func startChild(ctx context.Context, label string, mk func(port int) *exec.Cmd) (*server, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := erltest.FreePort()
		if err != nil {
			return nil, err
		}
		cmd := mk(port)
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s epmd: %w", label, err)
		}
		s := &server{label: label, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), pid: cmd.Process.Pid}
		s.stop = func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }
		for i := 0; i < 100; i++ {
			if lastErr = epmd.Probe(ctx, s.addr); lastErr == nil {
				return s, nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		s.stop()
	}
	return nil, fmt.Errorf("%s epmd did not answer: %w", label, lastErr)
}

// serveChild is the child process: avmsh's epmd until killed.
func serveChild(port int) {
	s := epmd.NewServer(epmd.Config{Port: port, LoopbackOnly: true})
	if err := s.Serve(context.Background()); err != nil {
		fatal(err)
	}
}

// otpRelease reads OTP_VERSION next to the erl on PATH.
func otpRelease() string {
	erl, err := exec.LookPath("erl")
	if err == nil {
		erl, err = filepath.EvalSymlinks(erl)
	}
	if err != nil {
		return "(unknown release)"
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(erl), "..", "releases", "*", "OTP_VERSION"))
	if len(files) == 0 {
		return "(unknown release)"
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		return "(unknown release)"
	}
	return strings.TrimSpace(string(b))
}
