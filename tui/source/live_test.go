//go:build !windows

package source_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestLiveAgainstErl: the dashboard's source finds a real erl node in
// epmd, connects, and reads its overview (again at the next refresh,
// through the agent the first started) and process table with the
// one-request erl_eval poll; a monitor's DOWN becomes an event.
func TestLiveAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	e.Eval(t, "register(live_probe, spawn(fun() -> receive stop -> ok end end))")
	l := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", e, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := l.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *source.NodeRow
	for i := range rows {
		if rows[i].Name == term.Atom(e.Name) {
			found = &rows[i]
		}
	}
	if found == nil || found.State != source.StateUp || !strings.HasPrefix(found.Version, "OTP ") || found.Procs < 10 || found.Memory <= 0 {
		t.Fatalf("cluster rows: %+v", rows)
	}
	// The next refresh asks the agent the first one started on the node
	// (observe.PollMany): the same figures.
	if rows, err = l.Cluster(ctx); err != nil {
		t.Fatal(err)
	}
	found = nil
	for i := range rows {
		if rows[i].Name == term.Atom(e.Name) {
			found = &rows[i]
		}
	}
	if found == nil || found.State != source.StateUp || found.Err != "" || !strings.HasPrefix(found.Version, "OTP ") ||
		found.Procs < 10 || found.Memory <= 0 || found.RTT <= 0 {
		t.Fatalf("cluster rows, second refresh: %+v", rows)
	}
	ov, err := l.Overview(ctx, term.Atom(e.Name))
	if err != nil || ov.ProcLimit <= 0 || ov.Memory["processes"] <= 0 || ov.Schedulers <= 0 {
		t.Fatalf("overview: %+v %v", ov, err)
	}
	procs, err := l.Processes(ctx, term.Atom(e.Name))
	if err != nil {
		t.Fatal(err)
	}
	var probe *source.Proc
	for i := range procs {
		if procs[i].Name == "live_probe" {
			probe = &procs[i]
		}
	}
	if probe == nil || probe.Memory <= 0 || !strings.Contains(probe.Current, ":") {
		t.Fatalf("process table (%d rows) lacks live_probe: %+v", len(procs), probe)
	}
	d, err := l.Process(ctx, probe.Pid)
	if err != nil || d.Name != "live_probe" || len(d.Info) < 5 {
		t.Fatalf("details: %+v %v", d, err)
	}
	if err := l.Monitor(ctx, probe.Pid); err != nil {
		t.Fatal(err)
	}
	if err := l.Exit(ctx, probe.Pid, term.Atom("kill")); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-l.Events():
			if ev.Kind == source.EvDown && strings.Contains(ev.Text, "killed") {
				return
			}
		case <-ctx.Done():
			t.Fatal("no DOWN event after exit(kill)")
		}
	}
}

// TestLiveSerialConsole: a board's console text on a port avmsh has
// open shows up in the devices listing, next to the node on it.
func TestLiveSerialConsole(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	board, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: "board@serial.local", Cookie: "c", ListenAddr: "-", Logger: quiet()},
		Listen: []string{"serial:" + pb},
		Port:   serialdist.PortConfig{Logger: quiet()},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(board.Stop)
	// The dashboard's node opens no port at start: Connect opens it.
	x, err := localnode.Start(context.Background(), localnode.Config{Name: "x@serial.local", Cookie: "c", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Stop)
	l, err := source.NewLive(source.Config{Local: x, EpmdHosts: []string{"127.0.0.1"}, EpmdPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, err := l.Connect(ctx, "serial:"+pa)
	if err != nil || name != "board@serial.local" {
		t.Fatalf("connect: %v %v", name, err)
	}
	if _, err := l.Devices(ctx); err != nil { // starts following the console
		t.Fatal(err)
	}
	if _, err := board.Ports()[0].Write([]byte("I (42) boot: hello from the board\r\n")); err != nil {
		t.Fatal(err)
	}
	for {
		devs, err := l.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range devs {
			if d.Path == pa && d.Open && d.Node == "board@serial.local" && strings.Contains(strings.Join(d.Console, "\n"), "hello from the board") {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("console text never shown: %+v", devs)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// newLive starts the dashboard's node as the dashboard does (localnode,
// listening and registered in e's epmd), named name, and a Live on it
// (its Config changed by opts).
func newLive(t *testing.T, name string, e *erltest.Node, auto bool, opts ...func(*source.Config)) *source.Live {
	t.Helper()
	ln, err := localnode.Start(context.Background(), localnode.Config{
		Name: name, Cookie: e.Cookie, Listen: true, ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: e.EpmdPort}, Logger: quiet(), Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ln.Stop)
	cfg := source.Config{Local: ln, EpmdHosts: []string{"localhost"}, EpmdPort: e.EpmdPort, AutoConnect: auto}
	for _, o := range opts {
		o(&cfg)
	}
	l, err := source.NewLive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}
