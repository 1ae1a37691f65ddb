//go:build !windows

package source

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node/localnode"
)

// The options chosen in the dashboard reach the board through
// espflash.Run, on an in-process line to the ROM-loader simulator whose
// modem lines are real: --before no-reset touches neither DTR nor RTS
// (before or after), --after no-reset leaves the chip in its loader,
// --baud is the speed the line was switched to; they are remembered for
// the board (in a new session too), and the defaults put back reset it
// with DTR/RTS and start the application.
func TestLiveFlashOptionsReachTheLoader(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", InLoader: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := localnode.Start(context.Background(), localnode.Config{Name: "dash@serial.local", Cookie: "c", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Stop)
	l, err := NewLive(Config{Local: x, EpmdHosts: []string{"127.0.0.1"}, EpmdPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A CP2102 board (classic reset circuit) on a port no one holds.
	const port = "/dev/ttyFLASHOPTS0"
	board := devices.Device{Path: port, USB: true, VID: "10c4", PID: "ea60", SerialNumber: "0001"}
	f := l.flasher
	f.list = func(context.Context, devices.ListOptions) ([]devices.Device, error) {
		return []devices.Device{board}, nil
	}
	var link *espsim.HostLink // Flash opens it on the test's goroutine
	f.openLink = func(device string, baud int) (espflash.Link, error) {
		if device != port {
			t.Errorf("opened %s", device)
		}
		link = sim.Link(ctx)
		return link, nil
	}
	avm := append(append([]byte(nil), espflash.AVMHeader...), bytes.Repeat([]byte("opts "), 4000)...)
	path := filepath.Join(t.TempDir(), "opts.avm")
	if err := os.WriteFile(path, avm, 0o644); err != nil {
		t.Fatal(err)
	}
	plan, err := l.PlanFlash(ctx, port, path)
	if err != nil || plan.Settings != espflash.DefaultSettings() {
		t.Fatalf("first plan: settings %+v (want avmsh flash's defaults), %v", plan.Settings, err)
	}
	// An erase option on an application is refused before the port is
	// touched.
	bad := plan
	bad.Settings.EraseNVS = true
	if _, err := l.Flash(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), "erasing NVS goes with installing a firmware image") || link != nil {
		t.Fatalf("erase-nvs with an .avm: %v", err)
	}

	plan.Settings.Before, plan.Settings.After, plan.Settings.Baud = espflash.NoReset, espflash.StayInLoader, 921600
	var logs []string
	res, err := l.Flash(ctx, plan, func(p FlashProgress) { logs = append(logs, p.Log) })
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(logs, "\n")
	if lines := sim.Lines(); len(lines) != 0 {
		t.Errorf("--before/--after no-reset, yet the modem lines changed: %v", lines)
	}
	if got := link.HostBaud(); got != 921600 || !strings.Contains(all, "Changed to 921600 baud") || !strings.Contains(all, "(no reset)") {
		t.Errorf("host at %d baud; steps:\n%s", got, all)
	}
	if res.Started != "" || res.Reconnect || !sim.InLoader() || sim.Boots() != 0 {
		t.Errorf("--after no-reset: started %q, reconnect %v, in the loader %v, boots %d", res.Started, res.Reconnect, sim.InLoader(), sim.Boots())
	}
	if !bytes.Equal(sim.Flash(0x250000, len(avm)), avm) {
		t.Fatal("the flash at main.avm differs from the file")
	}
	// Remembered for the board, here and in a new session.
	want := espflash.Settings{Before: espflash.NoReset, After: espflash.StayInLoader, Baud: 921600, Partition: espflash.AppPartition}
	if again, err := l.PlanFlash(ctx, port, path); err != nil || again.Settings != want {
		t.Errorf("next plan: %+v, %v; want %+v", again.Settings, err, want)
	}
	id, _ := flashrec.ID(board)
	if got := newLastFiles().settings(id.Key()); got != want {
		t.Errorf("a new session remembers %+v", got)
	}

	// The defaults again: DTR/RTS reset the chip into its loader (the
	// classic sequence), and a hard reset starts the application.
	plan.Settings = espflash.DefaultSettings()
	res, err = l.Flash(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Started != "hard reset" || len(sim.Lines()) == 0 || link.HostBaud() != 115200 {
		t.Errorf("defaults: started %q, lines %v, host back at %d baud", res.Started, sim.Lines(), link.HostBaud())
	}
	if ev := strings.Join(sim.Events(), ","); !strings.Contains(ev, "reset into loader") {
		t.Errorf("events %s", ev)
	}
}

// Remembered options: absent (a file from before they were) or edited
// by hand into nonsense are the defaults; erase options are never
// remembered; a Pico's flash (no options) keeps the board's.
func TestLastFilesOptions(t *testing.T) {
	l := &lastFiles{dir: t.TempDir(), now: time.Now}
	os.WriteFile(l.path(), []byte(`{"version":1,"boards":{"a":{"file":"/x.avm","at":"2025-01-01T00:00:00Z"},
		"b":{"file":"/y.avm","at":"2025-01-01T00:00:00Z","options":{"before":"jump","after":"no-reset","baud":-5}}}}`), 0o644)
	if got := l.settings("a"); got != espflash.DefaultSettings() {
		t.Errorf("no options: %+v", got)
	}
	want := espflash.DefaultSettings()
	want.After = espflash.StayInLoader
	if got := l.settings("b"); got != want {
		t.Errorf("bad options: %+v, want %+v", got, want)
	}
	s := espflash.DefaultSettings()
	s.Before, s.EraseNVS, s.EraseApp = espflash.NoReset, true, true
	if err := l.set("a", "/fw.img", &s); err != nil {
		t.Fatal(err)
	}
	if err := l.set("a", "/x.uf2", nil); err != nil {
		t.Fatal(err)
	}
	got := l.settings("a")
	if got.Before != espflash.NoReset || got.EraseNVS || got.EraseApp || l.get("a") != "/x.uf2" {
		t.Errorf("remembered %+v, file %q", got, l.get("a"))
	}
}
