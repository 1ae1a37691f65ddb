//go:build !windows

package source_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// busyModule gives the erl node a process that burns reductions, one
// whose queue grows (fed by another), and one that crashes on demand.
const busyModule = `-module(tui_busy).
-export([burn/0, hoard/0, feed/1, crasher/0]).
burn() -> _ = lists:sum(lists:seq(1, 3000)), receive after 1 -> burn() end.
hoard() -> receive never_sent -> ok end.
feed(P) -> P ! {junk, erlang:monotonic_time()}, receive after 1 -> feed(P) end.
crasher() -> receive {add, X} -> X + 1 end.
`

// TestLiveRatesAgainstErl: two refreshes of the node view's request on a
// real erl node; compared as the node view compares them (observe.Rates,
// the function avmsh top uses), the top row by reductions/s is the
// process burning reductions and the top row by queue growth the one
// whose mailbox is fed. The leak watch sampled both overviews: erl's
// memory and process count are there, the ESP32 heap items absent.
func TestLiveRatesAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"tui_busy": busyModule}})
	e.Eval(t, `register(burner, spawn(tui_busy, burn, [])), register(hoarder, spawn(tui_busy, hoard, [])),
		spawn(tui_busy, feed, [whereis(hoarder)])`)
	l := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", e, false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	target := term.Atom(e.Name)
	if _, err := l.Connect(ctx, e.Name); err != nil {
		t.Fatal(err)
	}
	secs := observe.SecOverview | observe.SecProcs
	first, err := l.Observe(ctx, target, secs)
	if err != nil || first.Procs == nil || first.Overview == nil {
		t.Fatalf("first poll: %+v %v", first, err)
	}
	time.Sleep(time.Second) // the measured interval, not synchronisation
	second, err := l.Observe(ctx, target, secs)
	if err != nil || second.Procs == nil {
		t.Fatalf("second poll: %+v %v", second, err)
	}
	w := observe.Rates(*first.Procs, *second.Procs)
	observe.SortRates(w.Rows, observe.SortRedsRate)
	if w.Rows[0].Name != "burner" || w.Rows[0].RedsRate <= 0 {
		t.Errorf("top by reductions/s: %+v, then %+v", w.Rows[0], w.Rows[1])
	}
	observe.SortRates(w.Rows, observe.SortMsgQGrowth)
	if w.Rows[0].Name != "hoarder" || w.Rows[0].MsgQGrowth <= 0 {
		t.Errorf("top by queue growth: %+v, then %+v", w.Rows[0], w.Rows[1])
	}
	tr := l.Trend(target)
	got := map[string]bool{}
	for _, v := range tr.Metrics {
		got[v.Metric] = !v.Absent
		if v.Absent && v.Last != 0 {
			t.Errorf("absent %s with a value %v", v.Metric, v.Last)
		}
		if !v.Absent && len(v.Spark) != 2 {
			t.Errorf("%s: %d samples, want the two polls'", v.Metric, len(v.Spark))
		}
	}
	if !got[observe.GaugeMemoryTotal] || !got[observe.GaugeProcessCount] ||
		got[observe.GaugeESP32FreeHeap] || got[observe.GaugeESP32MinFree] || got[observe.GaugeESP32Largest] {
		t.Errorf("erl's trend: %+v", tr.Metrics)
	}
}

// TestLiveExitThroughMonitor: a monitored process on a real erl node
// dies with an error; its DOWN is an event with the exit as a crash
// report (reason, stack frames).
func TestLiveExitThroughMonitor(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"tui_busy": busyModule}})
	e.Eval(t, `register(crasher, spawn(tui_busy, crasher, []))`)
	l := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", e, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := l.Connect(ctx, e.Name); err != nil {
		t.Fatal(err)
	}
	if err := l.Monitor(ctx, term.Tuple{term.Atom("crasher"), term.Atom(e.Name)}); err != nil {
		t.Fatal(err)
	}
	if err := l.Send(ctx, term.Tuple{term.Atom("crasher"), term.Atom(e.Name)}, term.Tuple{term.Atom("add"), term.Atom("a")}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-l.Events():
			if ev.Kind != source.EvDown {
				continue
			}
			c := ev.Crash
			if c == nil || c.Reason != "badarith" || c.Via != "monitor" || len(c.Frames) == 0 || c.Frames[0].Module != "tui_busy" ||
				c.Frames[0].Function != "crasher" || !strings.HasSuffix(c.Frames[0].File, "tui_busy.erl") || c.Node != e.Name || ev.Node != term.Atom(e.Name) {
				t.Fatalf("DOWN as a crash: %+v", c)
			}
			return
		case <-ctx.Done():
			t.Fatal("no DOWN event")
		}
	}
}

// TestLiveBoardCrashAndFleet: a board on a serial line prints a crash
// dump in pieces; the dashboard, connected to it, reports one EvCrash
// event naming the board's node, with the dump parsed, and still shows
// the console text in Devices. The board is recorded in the fleet store
// (node, up) when its overview is read, and down when it goes.
func TestLiveBoardCrashAndFleet(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	board, err := localnode.Start(context.Background(), localnode.Config{Name: "board@serial.local", Cookie: "c",
		Serial: []string{"serial:" + pb}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			board.Stop()
		}
	})
	x, err := localnode.Start(context.Background(), localnode.Config{Name: "x@serial.local", Cookie: "c", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Stop)
	st := fleet.Open(t.TempDir())
	l, err := source.NewLive(source.Config{Local: x, EpmdHosts: []string{"127.0.0.1"}, EpmdPort: 1, Fleet: st})
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
	dump := "CRASH \n======\npid: <0.42.0>\n\nStacktrace:\n[{sensor,read_reg,2,[{file,\"sensor.erl\"},{line,57}]}]\n\n" +
		"cp: #CP<module: 12, label: 9, offset: 40>\n\nx[0]: error\nx[1]: {badmatch,{error,timeout}}\nx[2]: {3,2}\n\n**End Of Crash Report**\n"
	p := board.Ports()[0]
	for _, part := range []string{"boot line\r\n" + dump[:20], dump[20:77], dump[77:]} {
		if _, err := p.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	for ev := range waitEvents(ctx, t, l) {
		if ev.Kind != source.EvCrash {
			continue
		}
		c := ev.Crash
		if ev.Node != name || c.Node != string(name) || c.Port != pa || c.Pid != "<0.42.0>" || c.Reason != "{badmatch,{error,timeout}}" ||
			len(c.Frames) != 1 || c.Frames[0].Line != 57 || c.ERPC || c.Truncated {
			t.Fatalf("crash event %+v: %+v", ev, c)
		}
		break
	}
	devs, err := l.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shown := false
	for _, d := range devs {
		shown = shown || d.Path == pa && strings.Contains(strings.Join(d.Console, "\n"), "boot line")
	}
	if !shown {
		t.Errorf("the console text is not in Devices: %+v", devs)
	}

	if _, err := l.Observe(ctx, name, observe.SecOverview); err != nil {
		t.Fatal(err)
	}
	bs, err := l.Fleet(ctx)
	if err != nil || len(bs) != 1 || bs[0].Node != string(name) || !bs[0].Up || bs[0].ID.Port == "" {
		t.Fatalf("fleet after the overview: %+v %v", bs, err)
	}
	board.Stop()
	stopped = true
	for deadline := time.Now().Add(20 * time.Second); ; {
		stored, err := st.Boards()
		if err == nil && len(stored) == 1 && !stored[0].Up {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the board's nodedown is not recorded: %+v %v", stored, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEvents delivers l's events until ctx ends (then fails the test).
func waitEvents(ctx context.Context, t *testing.T, l *source.Live) func(func(source.Event) bool) {
	return func(yield func(source.Event) bool) {
		for {
			select {
			case ev := <-l.Events():
				if !yield(ev) {
					return
				}
			case <-ctx.Done():
				t.Fatal("no such event")
				return
			}
		}
	}
}
