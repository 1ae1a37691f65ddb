//go:build !windows

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
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/node/serialnode/bridge"
	"github.com/avmsh/avmsh/node/serialnode/relay"
	"github.com/avmsh/avmsh/vm/beam"
	"github.com/avmsh/avmsh/vm/term"
)

func main() {
	size := flag.Int("size", 10240, "target size in bytes of the module's stripped form")
	rounds := flag.Int("rounds", 7, "changes timed per method")
	baud := flag.Int("baud", 115200, "serial line speed (8N1)")
	atomvm := flag.String("atomvm", "", "also load into this AtomVM binary (generic_unix, built outside the repository) over serial")
	atomvmlib := flag.String("atomvmlib", "", "with -atomvm: its libs/atomvmlib.avm")
	flag.Parse()
	if (*atomvm == "") != (*atomvmlib == "") {
		fmt.Fprintln(os.Stderr, "bench/load: -atomvm and -atomvmlib go together")
		os.Exit(2)
	}
	if err := run(*size, *rounds, *baud, *atomvm, *atomvmlib); err != nil {
		fmt.Fprintln(os.Stderr, "bench/load:", err)
		os.Exit(1)
	}
}

// source generates version v of module benchmod with about n
// functions of ordinary code.
func source(v, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-module(benchmod).\n-export([v/0")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ", f%d/2", i)
	}
	fmt.Fprintf(&b, "]).\nv() -> %d.\n", v)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "f%d(X, Y) when is_integer(X) -> case X rem %d of 0 -> {ok, X * %d + Y}; %d -> [X, Y, %d]; _ -> lists:sum([X, Y, %d]) end;\nf%d(X, _) -> {error, {badarg, X, f%d}}.\n", i, i+2, i+3, i%2, i, v, i, i)
	}
	return b.String()
}

// compileVersions compiles rounds+1 versions into dir/vN/benchmod.beam.
func compileVersions(dir string, size, rounds int) ([][]byte, int, error) {
	n := 8
	for {
		bs, stripped, err := compileSet(dir, n, 1)
		if err != nil {
			return nil, 0, err
		}
		_ = bs
		if stripped >= size || n > 4000 {
			break
		}
		n = n * size / max(stripped, 1)
		n++
	}
	bs, stripped, err := compileSet(dir, n, rounds+1)
	return bs, stripped, err
}

func compileSet(dir string, n, versions int) ([][]byte, int, error) {
	var out [][]byte
	stripped := 0
	for v := 1; v <= versions; v++ {
		d := filepath.Join(dir, "v"+strconv.Itoa(v))
		os.MkdirAll(d, 0o755)
		src := filepath.Join(d, "benchmod.erl")
		if err := os.WriteFile(src, []byte(source(v, n)), 0o644); err != nil {
			return nil, 0, err
		}
		if b, err := exec.Command("erlc", "-o", d, src).CombinedOutput(); err != nil {
			return nil, 0, fmt.Errorf("erlc: %v\n%s", err, b)
		}
		data, err := os.ReadFile(filepath.Join(d, "benchmod.beam"))
		if err != nil {
			return nil, 0, err
		}
		f, err := beam.Parse(data)
		if err != nil {
			return nil, 0, err
		}
		s, _ := f.Strip(beam.StripOptions{})
		stripped = len(s)
		out = append(out, data)
	}
	return out, stripped, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func run(size, rounds, baud int, atomvm, atomvmlib string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "bench-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	versions, stripped, err := compileVersions(dir, size, rounds*5)
	if err != nil {
		return err
	}
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return err
	}
	defer ep.Stop()
	target, err := erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port})
	if err != nil {
		return err
	}
	defer target.Stop()
	watched := filepath.Join(dir, "ebin")
	os.MkdirAll(watched, 0o755)
	path := filepath.Join(watched, "benchmod.beam")
	driver, err := erltest.Launch(ctx, erltest.Options{EpmdPort: ep.Port, Cookie: target.Cookie, Args: []string{"-pa", watched}})
	if err != nil {
		return err
	}
	defer driver.Stop()
	if _, err := driver.Call(ctx, fmt.Sprintf("pong = net_adm:ping('%s')", target.Name)); err != nil {
		return err
	}
	next := 0
	version := func() (int, []byte) { next++; return next, versions[next-1] }

	// Anchor: c:nl/1 run on the driver node, timed there.
	var nl []time.Duration
	for range rounds {
		v, data := version()
		// The driver's evaluator keeps bindings: fresh names per round.
		expr := fmt.Sprintf(`begin Bin%[1]d = binary:decode_hex(<<"%[2]X">>), T%[1]d = erlang:monotonic_time(microsecond),
			ok = file:write_file(%[3]q, Bin%[1]d),
			abcast = c:nl(benchmod),
			W%[1]d = fun Wait() -> case catch rpc:call('%[4]s', benchmod, v, []) of %[1]d -> ok; _ -> Wait() end end, W%[1]d(),
			erlang:monotonic_time(microsecond) - T%[1]d end`, v, data, path, target.Name)
		res, err := driver.Call(ctx, expr)
		if err != nil {
			return fmt.Errorf("nl round: %w", err)
		}
		us, _ := strconv.Atoi(res.Text)
		nl = append(nl, time.Duration(us)*time.Microsecond)
	}

	// avmsh over TCP.
	tcpNode, err := node.Start(ctx, node.Config{Name: erltest.RandomName("bench") + "@127.0.0.1", Cookie: target.Cookie, ListenAddr: "-", PortMapper: &epmd.PortMapper{Port: ep.Port}, Logger: quiet()})
	if err != nil {
		return err
	}
	defer tcpNode.Stop()
	tcp, err := timeAvmsh(ctx, codeload.NewLoader(tcpNode, codeload.Options{}), term.Atom(target.Name), path, rounds, version)
	if err != nil {
		return fmt.Errorf("avmsh tcp: %w", err)
	}

	// avmsh over a paced serial line.
	sn, stop, err := serialSetup(ctx, target, ep.Port, baud/10)
	if err != nil {
		return err
	}
	defer stop()
	serialGz, err := timeAvmsh(ctx, codeload.NewLoader(sn.Node, codeload.Options{}), term.Atom(target.Name), path, rounds, version)
	if err != nil {
		return fmt.Errorf("avmsh serial: %w", err)
	}
	serialRaw, err := timeAvmsh(ctx, codeload.NewLoader(sn.Node, codeload.Options{NoCompress: true}), term.Atom(target.Name), path, rounds, version)
	if err != nil {
		return fmt.Errorf("avmsh serial uncompressed: %w", err)
	}

	var intoAtomVM []time.Duration
	if atomvm != "" {
		if intoAtomVM, err = timeAtomVM(ctx, dir, atomvm, atomvmlib, baud/10, path, rounds, version); err != nil {
			return fmt.Errorf("AtomVM over serial: %w", err)
		}
	}

	f, _ := beam.Parse(versions[0])
	gz := len(gzipLen(versions[0]))
	fmt.Printf("changed .beam on disk → new code answering an rpc; module %d bytes as compiled, %d stripped (AtomVM's form), %d gzip'd; median of %d\n\n",
		len(versions[0]), stripped, gz, rounds)
	_ = f
	base := median(nl)
	fmt.Printf("%-52s %12s %8s\n", "method", "median", "× nl/1")
	row := func(name string, d []time.Duration) {
		m := median(d)
		fmt.Printf("%-52s %12v %8.2f\n", name, m.Round(10*time.Microsecond), float64(m)/float64(base))
	}
	row("erl c:nl/1 over TCP (anchor)", nl)
	row("avmsh load over TCP", tcp)
	row(fmt.Sprintf("avmsh load over serial %d baud, gzip (BEAM path)", baud), serialGz)
	row(fmt.Sprintf("avmsh load over serial %d baud, uncompressed", baud), serialRaw)
	if intoAtomVM != nil {
		row(fmt.Sprintf("avmsh load into AtomVM over serial %d baud", baud), intoAtomVM)
	}
	fmt.Printf("\nline time of the stripped module alone at %d baud: %v\n", baud, (time.Duration(stripped) * time.Second / time.Duration(baud/10)).Round(time.Millisecond))
	fmt.Printf("targets: TCP ≤ 1.0× nl/1; serial < 1 s for a 10 KiB module\n")
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func timeAvmsh(ctx context.Context, l *codeload.Loader, target term.Atom, path string, rounds int, version func() (int, []byte)) ([]time.Duration, error) {
	if _, err := l.Probe(ctx, target); err != nil { // once, as a watch loop does
		return nil, err
	}
	var out []time.Duration
	for range rounds {
		v, data := version()
		t0 := time.Now()
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
		mods, err := codeload.Prepare([]string{path})
		if err != nil {
			return nil, err
		}
		for _, r := range l.Load(ctx, target, mods) {
			if r.Status != codeload.Loaded {
				return nil, fmt.Errorf("%s: %v", r.Status, r.Err)
			}
		}
		for {
			got, err := rpc.Call(ctx, l.Node, target, "benchmod", "v", nil, rpc.Options{Timeout: time.Minute})
			if err != nil {
				return nil, err
			}
			if got == term.Int(v) {
				break
			}
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}

// serialSetup: local node ─ pty pair A ─ relay (paced) ─ pty pair B ─
// bridge ─ TCP ─ target.
func serialSetup(ctx context.Context, target *erltest.Node, epmdPort, rate int) (*serialnode.Node, func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	a1, a2, sa, err := socatPair()
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, sa)
	b1, b2, sb, err := socatPair()
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, sb)
	r, err := relay.Open(a2, b2, relay.Options{Rate: rate})
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, func() { r.Close() })
	alive, host, _ := strings.Cut(target.Name, "@")
	port, err := (&epmd.PortMapper{Port: epmdPort}).Lookup(ctx, host, alive)
	if err != nil {
		return nil, stop, err
	}
	bp, err := serialdist.OpenAddress("serial:"+b1, serialdist.PortConfig{Logger: quiet()})
	if err != nil {
		return nil, stop, err
	}
	bctx, bcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bridge.Serve(bctx, bp, func(ctx context.Context) (carrier.Conn, error) {
			return (&carrier.TCPDialer{}).Dial(ctx, fmt.Sprintf("127.0.0.1:%d", port))
		})
	}()
	stops = append(stops, func() { bcancel(); bp.Close(); <-done })
	sn, err := serialnode.Start(ctx, serialnode.Config{
		Node:   node.Config{Name: erltest.RandomName("bench") + "@serial.local", Cookie: target.Cookie, ListenAddr: "-", Logger: quiet()},
		Listen: []string{"serial:" + a1},
		Port:   serialdist.PortConfig{Logger: quiet()},
	})
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, sn.Stop)
	if _, err := sn.Dial(ctx, "serial:"+a1); err != nil {
		return nil, stop, fmt.Errorf("dial over the relay: %w", err)
	}
	return sn, stop, nil
}
