package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

type tool struct {
	name  string
	args  []string
	stdin string
	want  string
}

func main() {
	runs := flag.Int("runs", 20, "runs per measurement")
	flag.Parse()
	if err := run(*runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/shell:", err)
		os.Exit(1)
	}
}

func run(runs int) error {
	dir, err := os.MkdirTemp("", "benchshell")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "avmsh")
	slim := filepath.Join(dir, "slimeval")
	for _, b := range [][2]string{{bin, "./cmd/avmsh"}, {slim, "./bench/shell/slimeval"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", b[1], err, out)
		}
	}
	ctx := context.Background()
	n, err := erltest.Launch(ctx, erltest.Options{ShortNames: true})
	if err != nil {
		return err
	}
	defer n.Stop()
	alive := n.Alive()
	env := append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(n.EpmdPort), "AVMSH_COOKIE="+n.Cookie, "XDG_STATE_HOME="+dir)
	tools := []tool{
		{"avmsh eval NODE '1+1.'", []string{bin, "eval", alive, "1+1."}, "", "2\n"},
		{"erl_call -e (1+1.)", []string{"erl_call", "-sname", alive, "-c", n.Cookie, "-e"}, "1+1.\n", "{ok, 2}"},
		{"avmsh --version", []string{bin, "--version"}, "", "avmsh"},
		{"avmsh shell NODE < 1+1.", []string{bin, "shell", alive}, "1+1.\n", "2\n"},
		{"slimeval NODE '1+1.' (reference)", []string{slim, alive, "1+1."}, "", "2\n"},
	}
	wall := map[string][]time.Duration{}
	for r := 0; r < runs; r++ { // interleaved, so load changes hit all alike
		for _, t := range tools {
			d, out, err := runOnce(t, env)
			if err != nil {
				return fmt.Errorf("%s: %v\n%s", t.name, err, out)
			}
			if !strings.Contains(out, t.want) {
				return fmt.Errorf("%s printed %q, want %q", t.name, out, t.want)
			}
			wall[t.name] = append(wall[t.name], d)
		}
	}
	nodeWork, perCmd, err := inProcess(ctx, n, runs)
	if err != nil {
		return err
	}
	fmt.Printf("avmsh eval vs erl_call -e against one OTP 25 node, %d interleaved runs each\n\n", runs)
	fmt.Printf("%-34s %10s %10s\n", "measure", "median", "p90")
	for _, t := range tools {
		fmt.Printf("%-34s %8.2fms %8.2fms\n", t.name, ms(pct(wall[t.name], 50)), ms(pct(wall[t.name], 90)))
	}
	fmt.Printf("%-34s %8.2fms %8.2fms\n", "in-process: start+connect+eval+stop", ms(pct(nodeWork, 50)), ms(pct(nodeWork, 90)))
	fmt.Printf("%-34s %8.3fms %8.3fms\n", "in-process: one command, session up", ms(pct(perCmd, 50)), ms(pct(perCmd, 90)))
	ratio := ms(pct(wall[tools[0].name], 50)) / ms(pct(wall[tools[1].name], 50))
	verdict := "met"
	if ratio > 1.0 {
		verdict = "NOT met"
	}
	fmt.Printf("\navmsh eval / erl_call -e: %.2fx (target <= 1.0x: %s)\n", ratio, verdict)
	fmt.Printf("binary start alone / erl_call -e: %.2fx\n", ms(pct(wall["avmsh --version"], 50))/ms(pct(wall[tools[1].name], 50)))
	return nil
}

func runOnce(t tool, env []string) (time.Duration, string, error) {
	cmd := exec.Command(t.args[0], t.args[1:]...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(t.stdin)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	return time.Since(start), string(out), err
}

// inProcess times the node's own work for one `avmsh eval` (start a
// hidden node, connect through epmd, evaluate 1+1 with avmsh's
// evaluator, stop) and one command in a session that is already up.
func inProcess(ctx context.Context, peer *erltest.Node, runs int) (whole, perCmd []time.Duration, err error) {
	target := term.Atom(peer.Name)
	start := func() (*node.Node, error) {
		return node.Start(ctx, node.Config{
			Name: erltest.RandomName("bench") + "@" + strings.SplitN(peer.Name, "@", 2)[1], Cookie: peer.Cookie,
			PortMapper: &epmd.PortMapper{Port: peer.EpmdPort}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}
	for range runs {
		t0 := time.Now()
		nd, err := start()
		if err != nil {
			return nil, nil, err
		}
		if err := nd.Connect(ctx, target); err != nil {
			nd.Stop()
			return nil, nil, err
		}
		s, h, err := shellhost.NewSession(nd, target, shellhost.Options{})
		if err != nil {
			nd.Stop()
			return nil, nil, err
		}
		out, err := s.Eval(ctx, "1+1.\n")
		h.Close()
		nd.Stop()
		if err != nil || out != "2\n" {
			return nil, nil, fmt.Errorf("in-process eval: %q %v", out, err)
		}
		whole = append(whole, time.Since(t0))
	}
	nd, err := start()
	if err != nil {
		return nil, nil, err
	}
	defer nd.Stop()
	s, h, err := shellhost.NewSession(nd, target, shellhost.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer h.Close()
	// A command that needs the target: a module call over erpc.
	for i := range runs * 10 {
		t0 := time.Now()
		out, err := s.Eval(ctx, "lists:sum([1, 1]).\n")
		if err != nil || out != "2\n" {
			return nil, nil, fmt.Errorf("session command %d: %q %v", i, out, err)
		}
		perCmd = append(perCmd, time.Since(t0))
	}
	return whole, perCmd, nil
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
