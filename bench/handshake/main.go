package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
)

func main() {
	n := flag.Int("n", 2000, "connections per measurement")
	settle := flag.Duration("settle", time.Second, "how long RSS must stay flat before it is read (at most 5× this)")
	serve := flag.Int("serve", 0, "internal: run an avmsh node with raised bounds registered in the epmd on this port")
	flag.Parse()
	if *serve != 0 {
		serveChild(*serve, *n)
		return
	}
	if err := run(*n, *settle); err != nil {
		fmt.Fprintln(os.Stderr, "handshake-bench:", err)
		os.Exit(1)
	}
}

// server is one node under test: its process and its distribution port.
type server struct {
	label string
	pid   int
	port  int
	stop  func()
}

var inputs = []struct {
	label string
	bytes []byte
}{
	{"ff ff 4e", []byte{0xff, 0xff, 'N'}},
	{"00 0f 4e", []byte{0x00, 0x0f, 'N'}},
}

func run(n int, settle time.Duration) error {
	if err := raiseNoFile(2*n + 512); err != nil {
		return err
	}
	ctx := context.Background()
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return err
	}
	defer ep.Stop()
	dir, err := os.MkdirTemp("", "handshake-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "avmsh")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/avmsh/avmsh/cmd/avmsh").CombinedOutput(); err != nil {
		return fmt.Errorf("build avmsh: %v\n%s", err, out)
	}
	fmt.Printf("%d connections each; RSS of the node's process (VmRSS); shared 2-core machine\n\n", n)
	fmt.Printf("%-34s %-9s %10s %10s %10s %12s %6s\n", "server", "input", "before", "after", "closed", "per conn", "kept")
	starts := []func() (*server, error){
		func() (*server, error) { return startServe(bin, ep.Port) },
		func() (*server, error) { return startChild(ep.Port, n) },
		func() (*server, error) { return startErl(ep.Port) },
	}
	for _, in := range inputs {
		for _, start := range starts {
			s, err := start()
			if err != nil {
				return err
			}
			err = measure(s, in.label, in.bytes, n, settle)
			s.stop()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// measure opens n connections to s that send msg, and prints s's RSS
// before, after (once flat), and after they are closed again.
func measure(s *server, label string, msg []byte, n int, settle time.Duration) error {
	before := flatRSS(s.pid, settle)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return fmt.Errorf("%s: connection %d: %w", s.label, i, err)
		}
		conns = append(conns, c)
		if _, err := c.Write(msg); err != nil {
			continue // already closed by the server
		}
	}
	after := flatRSS(s.pid, settle)
	kept := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				kept++ // still open, waiting for the rest of the handshake
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	closed := flatRSS(s.pid, settle)
	per := float64(int64(after)-int64(before)) / float64(n) / 1024
	fmt.Printf("%-34s %-9s %7.1f MiB %7.1f MiB %7.1f MiB %8.1f KiB %6d\n", s.label, label, mib(before), mib(after), mib(closed), per, kept)
	return nil
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// flatRSS waits until pid's RSS has not changed by more than 1% for
// settle (at most 5×settle) and returns it.
func flatRSS(pid int, settle time.Duration) uint64 {
	deadline := time.Now().Add(5 * settle)
	last, since := rss(pid), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(settle / 10)
		cur := rss(pid)
		if diff := int64(cur) - int64(last); diff > int64(last)/100 || -diff > int64(last)/100 {
			last, since = cur, time.Now()
			continue
		}
		if time.Since(since) >= settle {
			return cur
		}
	}
	return rss(pid)
}

// rss reads VmRSS of pid in bytes (0 when unknown).
func rss(pid int) uint64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func raiseNoFile(want int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= uint64(want) {
		return nil
	}
	if lim.Max < uint64(want) {
		return fmt.Errorf("RLIMIT_NOFILE's hard limit %d is below the %d descriptors needed: use a smaller -n", lim.Max, want)
	}
	lim.Cur = uint64(want)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// lookup finds alive's port in the epmd on epmdPort, waiting for it to
// register.
func lookup(epmdPort int, alive string) (int, error) {
	pm := &epmd.PortMapper{Port: epmdPort}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		port, err := pm.Lookup(ctx, "127.0.0.1", alive)
		cancel()
		if err == nil {
			return port, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s did not register with epmd: %w", alive, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func startProcess(label string, cmd *exec.Cmd, epmdPort int, alive string) (*server, error) {
	cmd.Env = append(os.Environ(), fmt.Sprintf("ERL_EPMD_PORT=%d", epmdPort))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
	port, err := lookup(epmdPort, alive)
	if err != nil {
		stop()
		return nil, err
	}
	return &server{label: label, pid: cmd.Process.Pid, port: port, stop: stop}, nil
}

func startServe(bin string, epmdPort int) (*server, error) {
	alive := erltest.RandomName("serve")
	cmd := exec.Command(bin, "serve", "--name", alive+"@127.0.0.1", "--cookie", "c")
	return startProcess("avmsh serve (default bounds)", cmd, epmdPort, alive)
}

func startChild(epmdPort, n int) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve", strconv.Itoa(epmdPort), "-n", strconv.Itoa(n))
	return startProcess("avmsh node (bounds raised)", cmd, epmdPort, "childnode")
}

func startErl(epmdPort int) (*server, error) {
	alive := erltest.RandomName("erl")
	// erl's own process is beam.smp, exec'd by the erl script: the pid
	// is the same.
	cmd := exec.Command("erl", "-noshell", "-start_epmd", "false", "-name", alive+"@127.0.0.1", "-setcookie", "c",
		"-kernel", "net_setuptime", "60")
	return startProcess("erl (OTP)", cmd, epmdPort, alive)
}

// serveChild is the -serve child: an avmsh node whose bounds on pending
// handshakes exceed n, with a 60 s set-up time.
func serveChild(epmdPort, n int) {
	nd, err := node.Start(context.Background(), node.Config{
		Name:                   "childnode@127.0.0.1",
		Cookie:                 "c",
		ListenAddr:             "127.0.0.1:0",
		PortMapper:             &epmd.PortMapper{Port: epmdPort},
		SetupTime:              60 * time.Second,
		MaxHandshakes:          2 * n,
		MaxHandshakesPerSource: 2 * n,
		Logger:                 slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "handshake-bench child:", err)
		os.Exit(1)
	}
	_ = nd
	select {} // killed by the parent
}
