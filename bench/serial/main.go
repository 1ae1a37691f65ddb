//go:build !windows

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/node/serialnode/relay"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

func main() {
	baud := flag.Int("baud", 115200, "line speed the relay enforces (8N1: baud/10 bytes/s)")
	messages := flag.Int("messages", 30, "messages in the throughput burst")
	size := flag.Int("size", 4096, "payload bytes per message")
	rtts := flag.Int("rtts", 20, "rpc round trips to time")
	plain := flag.Bool("plain", false, "relay bytes without recognising frames (no store-and-forward of frames)")
	flag.Parse()
	if err := run(*baud, *messages, *size, *rtts, *plain); err != nil {
		fmt.Fprintln(os.Stderr, "bench/serial:", err)
		os.Exit(1)
	}
}

// socatPair starts socat with two linked ptys and returns their paths
// and a function that stops it.
func socatPair() (string, string, func(), error) {
	cmd := exec.Command("socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", "", nil, fmt.Errorf("start socat (apt-get install socat): %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	re := regexp.MustCompile(`PTY is (\S+)`)
	paths := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				paths <- m[1]
			}
		}
	}()
	var got []string
	for len(got) < 2 {
		select {
		case p := <-paths:
			got = append(got, p)
		case <-time.After(10 * time.Second):
			stop()
			return "", "", nil, fmt.Errorf("socat gave no ptys within 10 s")
		}
	}
	time.Sleep(100 * time.Millisecond) // socat opens both before transferring
	return got[0], got[1], stop, nil
}

func start(name, port string) (*serialnode.Node, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: name, Cookie: "bench", ListenAddr: "-", Logger: quiet},
		Listen: []string{"serial:" + port},
		Port:   serialdist.PortConfig{Logger: quiet},
	})
	if err != nil {
		return nil, err
	}
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, "bench")
	if err := rpc.Serve(n.Node, reg); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

func run(baud, messages, size, rtts int, plain bool) error {
	a1, a2, stopA, err := socatPair()
	if err != nil {
		return err
	}
	defer stopA()
	b1, b2, stopB, err := socatPair()
	if err != nil {
		return err
	}
	defer stopB()
	rate := baud / 10
	r, err := relay.Open(a2, b2, relay.Options{Rate: rate, Plain: plain})
	if err != nil {
		return err
	}
	defer r.Close()
	x, err := start("x@serial.local", a1)
	if err != nil {
		return err
	}
	defer x.Stop()
	y, err := start("y@serial.local", b1)
	if err != nil {
		return err
	}
	defer y.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := x.Dial(ctx, "serial:"+a1); err != nil {
		return fmt.Errorf("connect over the relay: %w", err)
	}

	// RTT of a small rpc.
	var rtt []time.Duration
	for range rtts {
		t0 := time.Now()
		if _, err := rpc.Call(ctx, x.Node, y.Name(), "erlang", "node", nil, rpc.Options{}); err != nil {
			return fmt.Errorf("rpc: %w", err)
		}
		rtt = append(rtt, time.Since(t0))
	}
	slices.Sort(rtt)

	// Throughput: a burst of messages to a sink that reports the last.
	done := make(chan time.Time, 1)
	_, _, err = y.Runtime().Spawn(func(p *vm.Process) term.Term {
		for i := 0; i < messages; i++ {
			if _, err := p.Receive(p.Context(), nil, vm.Infinity); err != nil {
				return vm.Normal
			}
		}
		done <- time.Now()
		return vm.Normal
	}, vm.SpawnOptions{Name: "sink"})
	if err != nil {
		return err
	}
	sender, err := x.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		return err
	}
	defer sender.Exit(vm.Normal)
	payload := make(term.Binary, size)
	for i := range payload {
		payload[i] = byte(i)
	}
	before := r.Stats(relay.AtoB).Bytes
	t0 := time.Now()
	for i := 0; i < messages; i++ {
		if err := sender.Send(term.Tuple{term.Atom("sink"), y.Name()}, payload); err != nil {
			return err
		}
	}
	var end time.Time
	select {
	case end = <-done:
	case <-time.After(time.Duration(messages*size/rate+60) * time.Second):
		return fmt.Errorf("the burst did not arrive")
	}
	elapsed := end.Sub(t0)
	wire := r.Stats(relay.AtoB).Bytes - before
	goodput := float64(messages*size) / elapsed.Seconds()

	fmt.Printf("serial distribution over a relay paced to %d baud 8N1 (%d bytes/s), two avmsh nodes\n\n", baud, rate)
	fmt.Printf("%-44s %12s %12s %8s\n", "measure", "avmsh", "line rate", "ratio")
	fmt.Printf("%-44s %10.0f/s %10d/s %8.3f\n", fmt.Sprintf("payload bytes, %d × %d B messages", messages, size), goodput, rate, goodput/float64(rate))
	fmt.Printf("%-44s %12d %12d %8.3f\n", "wire bytes per payload byte (framing+ETF)", wire, messages*size, float64(wire)/float64(messages*size))
	fmt.Printf("%-44s %12v\n", "burst time", elapsed.Round(time.Millisecond))
	fmt.Printf("%-44s %12v %12s\n", "rpc erlang:node/0 round trip, median", rtt[len(rtt)/2].Round(10*time.Microsecond), "")
	fmt.Printf("%-44s %12v %12s\n", "rpc erlang:node/0 round trip, min", rtt[0].Round(10*time.Microsecond), "")
	fmt.Printf("\ntarget: payload ≥ 90%% of line rate\n")
	return nil
}
