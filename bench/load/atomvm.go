//go:build !windows

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/node/serialnode/relay"
	"github.com/avmsh/avmsh/vm/term"
)

// With -atomvm (a generic_unix AtomVM binary built outside this
// repository) and -atomvmlib (its libs/atomvmlib.avm), the same changes
// are also loaded into a real AtomVM over serial distribution, paced to
// the same baud rate:
//
//	local node ─ pty pair A ─ relay (paced) ─ pty pair B ─ AtomVM
//
// AtomVM runs a start module that starts serial_dist on its pty; the
// .avm is made by devices/avm, as `avmsh pack` makes it.

const benchNode = `-module(benchnode).
-export([start/0]).
start() ->
    Dev = os:getenv("SERIAL_DEVICE"),
    {ok, _} = net_kernel:start(list_to_atom(os:getenv("AVM_NODE")),
        #{name_domain => longnames, proto_dist => serial_dist,
          avm_dist_opts => #{uart_opts => [{peripheral, Dev}, {speed, 115200}]}}),
    net_kernel:set_cookie(list_to_binary(os:getenv("AVM_COOKIE"))),
    io:format("benchnode up~n"),
    receive after infinity -> ok end.
`

// atomVMSerial starts AtomVM behind a paced relay and returns a local
// node connected to it, its name, and a function that stops everything.
func atomVMSerial(ctx context.Context, dir, bin, lib string, rate int) (*serialnode.Node, term.Atom, func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	app, err := benchAVM(dir, lib)
	if err != nil {
		return nil, "", stop, err
	}
	a1, a2, sa, err := socatPair()
	if err != nil {
		return nil, "", stop, err
	}
	stops = append(stops, sa)
	b1, b2, sb, err := socatPair()
	if err != nil {
		return nil, "", stop, err
	}
	stops = append(stops, sb)
	r, err := relay.Open(a2, b2, relay.Options{Rate: rate})
	if err != nil {
		return nil, "", stop, err
	}
	stops = append(stops, func() { r.Close() })

	name := term.Atom(erltest.RandomName("avm") + "@serial.local")
	cookie := erltest.RandomName("c")
	cmd := exec.Command(bin, app)
	cmd.Env = append(os.Environ(), "SERIAL_DEVICE="+b1, "AVM_NODE="+string(name), "AVM_COOKIE="+cookie)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", stop, err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", stop, fmt.Errorf("start AtomVM: %w", err)
	}
	stops = append(stops, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "benchnode up") {
				once = true
				close(up)
			}
		}
	}()
	select {
	case <-up:
	case <-time.After(20 * time.Second):
		return nil, "", stop, fmt.Errorf("AtomVM did not start serial distribution within 20 s")
	}
	sn, err := serialnode.Start(ctx, serialnode.Config{
		Node:   node.Config{Name: erltest.RandomName("bench") + "@serial.local", Cookie: cookie, ListenAddr: "-", Logger: quiet()},
		Listen: []string{"serial:" + a1},
		Port:   serialdist.PortConfig{Logger: quiet()},
	})
	if err != nil {
		return nil, "", stop, err
	}
	stops = append(stops, sn.Stop)
	got, err := sn.Dial(ctx, "serial:"+a1)
	if err != nil {
		return nil, "", stop, fmt.Errorf("dial AtomVM over the relay: %w", err)
	}
	if got != name {
		return nil, "", stop, fmt.Errorf("the node on the line is %s, not %s", got, name)
	}
	return sn, name, stop, nil
}

// benchAVM compiles benchnode and packs it with AtomVM's library.
func benchAVM(dir, lib string) (string, error) {
	src := filepath.Join(dir, "benchnode.erl")
	if err := os.WriteFile(src, []byte(benchNode), 0o644); err != nil {
		return "", err
	}
	if b, err := exec.Command("erlc", "-o", dir, src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("erlc benchnode: %v\n%s", err, b)
	}
	ins, err := avm.Collect([]string{filepath.Join(dir, "benchnode.beam"), lib})
	if err != nil {
		return "", err
	}
	es, err := avm.Pack(ins, avm.Options{Start: "benchnode"})
	if err != nil {
		return "", err
	}
	recs := make([]avm.Record, len(es))
	for i, e := range es {
		recs[i] = e.Record
	}
	app := filepath.Join(dir, "benchnode.avm")
	return app, os.WriteFile(app, avm.Encode(recs), 0o644)
}

// timeAtomVM times the changes loaded into AtomVM.
func timeAtomVM(ctx context.Context, dir, bin, lib string, rate int, path string, rounds int, version func() (int, []byte)) ([]time.Duration, error) {
	sn, name, stop, err := atomVMSerial(ctx, dir, bin, lib, rate)
	defer stop()
	if err != nil {
		return nil, err
	}
	return timeAvmsh(ctx, codeload.NewLoader(sn.Node, codeload.Options{}), name, path, rounds, version)
}
