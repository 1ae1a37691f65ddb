package app_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/fleetview"
	"github.com/avmsh/avmsh/tui/monitors"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// Tests of issue 17's dashboard part: rates in the process table, the
// observer_cli-like panes, crash events, the leak watch, the fleet.

// refresh asks for a poll now (:refresh).
func refresh(tm *teatest.TestModel) {
	send(tm, ":")
	tm.Type("refresh")
	send(tm, "enter")
}

// firstRow is the line after the process table's header.
func firstRow(t *testing.T, screen string) string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "PID ") && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	t.Fatalf("no process table:\n%s", screen)
	return ""
}

// TestNodeViewRates: the fake's counters move between two polls; the
// rates are shown next to the totals and the top rows by rate are the
// processes whose counters move (net_kernel burns reductions, init's
// queue grows, code_server's memory grows), not those with the largest
// totals.
func TestNodeViewRates(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "from the next refresh")
	send(tm, "r")
	waitFor(t, tm, "REDS▼")
	refresh(tm)
	waitFor(t, tm, "rates over 1s")
	for _, c := range []struct {
		key, header, top string
	}{
		{"R", "REDS/S▼", "net_kernel"},
		{"W", "+MQ▼", "init"},
		{"M", "+MEM▼", "code_server"},
		{"Q", "MSGQ▼", "<0.90.0>"},
		{"R", "REDS/S▼", "net_kernel"},
	} {
		send(tm, c.key)
		waitFor(t, tm, c.header)
	}
	m, v := finalView(t, tm)
	if row := firstRow(t, v); m.Current() != "Node" || !strings.Contains(row, "net_kernel") || !strings.Contains(row, "+30000") && !strings.Contains(row, "30000 ") {
		t.Fatalf("top row by reductions/s: %q\n%s", row, v)
	}
	golden.RequireEqual(t, []byte(v))

	// Each key's top row, checked on its own screen.
	for _, c := range []struct{ key, top string }{{"W", "init"}, {"M", "code_server"}, {"r", "<0.90.0>"}} {
		f := newFake()
		tm := start(t, f)
		waitFor(t, tm, "app1@127.0.0.1")
		send(tm, "down", "enter")
		waitFor(t, tm, "from the next refresh")
		refresh(tm)
		waitFor(t, tm, "rates over 1s")
		send(tm, c.key)
		waitFor(t, tm, "▼")
		_, v := finalView(t, tm)
		if row := firstRow(t, v); !strings.Contains(row, c.top) {
			t.Errorf("%s: top row %q, want %s\n%s", c.key, row, c.top, v)
		}
	}
}

// TestNodeViewSections: each pane is one section read with the
// overview in one request, only while it is on screen; counters become
// rates at the next refresh.
func TestNodeViewSections(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server:loop/1")
	for _, c := range []struct{ key, want string }{
		{"e", "sessions"}, {"i", "0.0.0.0:8080"}, {"d", "app2@127.0.0.1"}, {"a", "kernel_safe_sup"},
		{"u", "utilisation from the next refresh"},
	} {
		send(tm, c.key)
		waitFor(t, tm, c.want)
	}
	refresh(tm)
	waitFor(t, tm, "utilisation over 1s")
	m, v := finalView(t, tm)
	if m.Current() != "Node" || !strings.Contains(v, " 15%") || !strings.Contains(v, "method: runtime") {
		t.Fatalf("schedulers:\n%s", v)
	}
	asked := f.sectionsAsked()
	want := []observe.Section{observe.SecProcs, observe.SecETS, observe.SecPorts, observe.SecDist, observe.SecApps, observe.SecSched, observe.SecSched}
	if len(asked) != len(want) {
		t.Fatalf("polls %v, want %v", asked, want)
	}
	for i, s := range asked {
		if s != observe.SecOverview|want[i] {
			t.Errorf("poll %d asked %b, want the overview and %s only", i, s, want[i])
		}
	}

	// Ports and connections: byte rates at the second refresh.
	f = newFake()
	tm = start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server:loop/1")
	send(tm, "i")
	waitFor(t, tm, "0.0.0.0:8080")
	refresh(tm)
	waitFor(t, tm, "2.0 KiB/s")
	send(tm, "d")
	waitFor(t, tm, "app2@127.0.0.1")
	refresh(tm)
	waitFor(t, tm, "4.0 KiB/s")
	send(tm, "a")
	waitFor(t, tm, "kernel_safe_sup")
	_, v = finalView(t, tm)
	golden.RequireEqual(t, []byte(v))
}

// TestBoardPanes: an AtomVM board reports no reductions (the rates sort
// by memory change instead) and answers none of the observer_cli panes:
// they say so.
func TestBoardPanes(t *testing.T) {
	f := newFake()
	f.observed().esp32 = true
	tm := start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, "down", "down", "enter")
	waitFor(t, tm, "no reductions reported")
	send(tm, "e")
	waitFor(t, tm, "does not answer this")
	_, v := finalView(t, tm)
	if !strings.Contains(v, "board@serial.local (atomvm) does not answer this: nothing is asked of it") {
		t.Fatalf("ets pane of a board:\n%s", v)
	}
}

// feed samples the fake's leak watch: n overviews one refresh apart.
func feed(w *leak.Watch, n term.Atom, samples int, gauges func(i int) map[string]int64) {
	for i := range samples {
		w.AddOverview(observe.Overview{Node: n, Gauges: gauges(i)}, t0.Add(time.Duration(i)*2*time.Second))
	}
}

// TestLeakWatchFlags: a node whose memory grows steadily (under noise)
// is flagged in the cluster view; a board whose free heap is flat but
// noisy is not, nor is a flat node.
func TestLeakWatchFlags(t *testing.T) {
	f := newFake()
	w := leak.New(leak.Config{})
	rnd := rand.New(rand.NewPCG(7, 8))
	noise := func(scale float64) int64 { return int64(rnd.NormFloat64() * scale) }
	feed(w, app1, 40, func(i int) map[string]int64 { // +0.25 % a sample, ±0.1 % noise
		return map[string]int64{observe.GaugeMemoryTotal: 15<<20 + int64(i)*40_000 + noise(15_000), observe.GaugeProcessCount: 52}
	})
	feed(w, board, 40, func(int) map[string]int64 { // flat, ±2 % noise
		return map[string]int64{observe.GaugeProcessCount: 7, observe.GaugeESP32FreeHeap: 120_000 + noise(2_400),
			observe.GaugeESP32MinFree: 98_000, observe.GaugeESP32Largest: 60_000 + noise(1_000)}
	})
	feed(w, local, 40, func(i int) map[string]int64 {
		return map[string]int64{observe.GaugeMemoryTotal: 20<<10 + int64(i%2)*512, observe.GaugeProcessCount: 5}
	})
	f.observed().leaks = w
	tm := start(t, f)
	waitFor(t, tm, "flagged LEAK?")
	_, v := finalView(t, tm)
	for _, l := range strings.Split(v, "\n") {
		switch {
		case strings.HasPrefix(l, "app1@"):
			if !strings.Contains(l, "LEAK?") {
				t.Errorf("growing memory not flagged: %q", l)
			}
		case strings.HasPrefix(l, "board@"), strings.HasPrefix(l, "tui@"):
			if strings.Contains(l, "LEAK?") {
				t.Errorf("flat series flagged: %q", l)
			}
		}
	}
	golden.RequireEqual(t, []byte(v))
}

// TestESP32Trend: the node view's trend line shows a board's ESP32 heap
// figures; a BEAM node shows them absent, never 0.
func TestESP32Trend(t *testing.T) {
	f := newFake()
	f.observed().esp32 = true
	w := leak.New(leak.Config{Window: 5})
	feed(w, board, 6, func(i int) map[string]int64 {
		return map[string]int64{observe.GaugeProcessCount: 7, observe.GaugeESP32FreeHeap: int64(120_000 - 300*i),
			observe.GaugeESP32MinFree: 98_000, observe.GaugeESP32Largest: int64(60_000 + 100*(i%2))}
	})
	feed(w, app1, 6, func(i int) map[string]int64 {
		return map[string]int64{observe.GaugeMemoryTotal: 15 << 20, observe.GaugeProcessCount: 52}
	})
	f.observed().leaks = w
	tm := start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, "down", "down", "enter")
	waitFor(t, tm, "largest block")
	_, v := finalView(t, tm)
	if !strings.Contains(v, "free heap 115.7 KiB") || !strings.Contains(v, "min free 95.7 KiB") || !strings.Contains(v, "memory absent") {
		t.Fatalf("board trend:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))

	tm = start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "ESP32 heap absent")
	_, v = finalView(t, tm)
	if strings.Contains(v, "free heap 0") || strings.Contains(v, "free heap -") {
		t.Fatalf("absent shown as a value:\n%s", v)
	}
}

// TestCrashEvents: a board console prints a crash dump, split across
// reads, and an erpc call's dump; the crash is listed (the erpc one
// counted), enter shows it, and s writes the report file, whose path
// the status line gives.
func TestCrashEvents(t *testing.T) {
	f := newFake()
	dir := t.TempDir()
	o := testOptions(t, f)
	o.Views = app.DefaultViews(f, plainTheme(), o.Terminal)
	o.Views[2].(*monitors.Model).ReportDir = dir
	o.Views[2].(*monitors.Model).ReportInfo = crashlog.ReportInfo{Avmsh: "test"}
	tm := teatest.NewTestModel(t, app.New(f, o),
		teatest.WithInitialTermSize(110, 30))
	console := source.ConsoleCrashes("/dev/ttyUSB0", func() term.Atom { return board }, func(e source.Event) {
		e.At = t0.Add(3 * time.Second)
		e.Crash.At = e.At
		f.events <- e
	})
	dump, err := os.ReadFile("testdata/dumps/badarg.txt")
	if err != nil {
		t.Fatal(err)
	}
	erpc, err := os.ReadFile("testdata/dumps/erpc_return.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := append(append([]byte("I (312) boot: ESP-IDF v5.1\r\n"), erpc...), dump...)
	for len(text) > 0 { // reads of 37 bytes: lines split everywhere
		n := min(37, len(text))
		_, _ = console.Write(text[:n])
		text = text[n:]
	}
	send(tm, "3")
	waitFor(t, tm, "crash 1   (erpc dumps not listed: 1)")
	send(tm, "enter")
	waitFor(t, tm, "sensor:read_reg/2 (/home/dev/app/src/sensor.erl:57)")
	send(tm, "s")
	waitFor(t, tm, "crash report saved: ")
	m, v := finalView(t, tm)
	files, _ := filepath.Glob(filepath.Join(dir, "crash-*.md"))
	if len(files) != 1 || !strings.Contains(v, "crash report saved: "+dir) {
		t.Fatalf("report files %v; screen:\n%s", files, v)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	r := string(b)
	if !strings.HasPrefix(r, "### AtomVM crash on board@serial.local (/dev/ttyUSB0)") || !strings.Contains(r, "{badmatch,{error,timeout}}") ||
		!strings.Contains(r, "1. `sensor:read_reg/2 (/home/dev/app/src/sensor.erl:57)`") || !strings.Contains(r, "**End Of Crash Report**") ||
		!strings.Contains(filepath.Base(files[0]), "board@serial.local") {
		t.Fatalf("report %s:\n%s", files[0], r)
	}
	if m.Current() != "Monitors" {
		t.Fatalf("view %s", m.Current())
	}
}

// TestFleetView: two boards with different AtomVM versions (both
// marked: no version is the others'), one flashed by avmsh with its
// partitions, registered as an added view.
func TestFleetView(t *testing.T) {
	dir := t.TempDir()
	st := fleet.Open(dir)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	esp := fleet.BoardID{VID: "10c4", PID: "ea60", USBSerial: "0001", Port: "/dev/ttyUSB0"}
	pico := fleet.BoardID{VID: "2e8a", PID: "000a", USBSerial: "E6614103", Port: "/dev/ttyACM0"}
	if err := st.Record(esp, fleet.FlashRecord{File: "sensor.avm", Size: 48_213, MD5: "9e107d9d372bb6826bd81d3542a419d6",
		At: now.Add(-2 * time.Hour), Partition: "main.avm", Offset: 0x210000, Chip: "ESP32-C3",
		Partitions: []fleet.Partition{{Name: "nvs", Type: "data", SubType: "nvs", Offset: 0x9000, Size: 0x6000},
			{Name: "factory", Type: "app", SubType: "factory", Offset: 0x10000, Size: 0x1c0000},
			{Name: "main.avm", Type: "data", SubType: "phy", Offset: 0x210000, Size: 0x100000}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Seen(esp, fleet.Observation{AtomVM: "0.6.5", Node: "sensor@serial.local", Up: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Seen(pico, fleet.Observation{Chip: "RP2040", AtomVM: "0.6.4", Node: "pico@serial.local", Up: false}); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	f.observed().fleet = st.Boards
	fv := fleetview.New(f, plainTheme())
	fv.SetClock(func() time.Time { return now })
	o := testOptions(t, f)
	o.Views = append(app.DefaultViews(f, plainTheme(), o.Terminal), view.View(fv))
	tm := teatest.NewTestModel(t, app.New(f, o),
		teatest.WithInitialTermSize(110, 30))
	waitFor(t, tm, "6 Fleet")
	send(tm, "6")
	waitFor(t, tm, "partitions:")
	_, v := finalView(t, tm)
	bs, _ := st.Boards()
	if len(bs) != 2 || !slices.ContainsFunc(bs, func(b fleet.Board) bool { return b.VersionDiffers }) ||
		strings.Count(v, " ≠   ") != 2 || !strings.Contains(v, "sensor.avm") {
		t.Fatalf("fleet %+v:\n%s", bs, v)
	}
	golden.RequireEqual(t, []byte(v))
}
