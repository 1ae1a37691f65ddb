//go:build !windows

package source_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/tui/source"
)

// Flashing through Live, against the ESP ROM-loader simulator on a socat
// pty pair (internal/espsim, itself checked against esptool-js).

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

// serialApp is the simulated board's application: a node with serial
// distribution on the board's UART, named after the boot count (app1,
// app2...), that prints "appN alive" on the console a few times a
// second, between distribution frames (through the port, as text and
// frames share a UART). The flasher may take the first lines (the
// board prints as soon as it reboots, while the flasher still has the
// port), later ones reach whoever reads the port next.
func serialApp(s **espsim.Sim) func(ctx context.Context, rw io.ReadWriter) {
	return func(ctx context.Context, rw io.ReadWriter) {
		boot := (*s).Boots()
		p := serialdist.NewPort(nopCloser{rw}, "uart0", serialdist.PortConfig{MinBurst: -1})
		defer p.Close()
		go func() {
			tk := time.NewTicker(250 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
					fmt.Fprintf(p, "app%d alive\r\n", boot)
				}
			}
		}()
		l, err := serialdist.ListenPort(p)
		if err != nil {
			return
		}
		n, err := node.Start(ctx, node.Config{Name: fmt.Sprintf("app%d@serial.local", (*s).Boots()), Cookie: "FlashTest",
			ListenAddr: "-", Listeners: []carrier.Listener{l}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return
		}
		<-ctx.Done()
		n.Stop()
	}
}

func writeAVM(t *testing.T, n int, seed uint64) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, espflash.AVMHeader)
	path := filepath.Join(t.TempDir(), "app.avm")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

// flashEnv isolates the port loans and the remembered files.
func flashEnv(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
}

func dashboard(t *testing.T) *source.Live {
	t.Helper()
	x, err := localnode.Start(context.Background(), localnode.Config{Name: "dash@serial.local", Cookie: "FlashTest", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Stop)
	l, err := source.NewLive(source.Config{Local: x, EpmdHosts: []string{"127.0.0.1"}, EpmdPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func flashCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// recorder keeps the progress snapshots.
type recorder struct {
	mu sync.Mutex
	ps []source.FlashProgress
}

func (r *recorder) add(p source.FlashProgress) {
	r.mu.Lock()
	r.ps = append(r.ps, p)
	r.mu.Unlock()
}

func (r *recorder) all() []source.FlashProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]source.FlashProgress(nil), r.ps...)
}

// waitDevice polls the devices listing until ok holds for port's row.
func waitDevice(t *testing.T, ctx context.Context, l *source.Live, port, what string, ok func(source.Device) bool) {
	t.Helper()
	var last []source.Device
	for {
		devs, err := l.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last = devs
		for _, d := range devs {
			if d.Path == port && ok(d) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: never; last listing %+v", what, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The dashboard's node is connected to the board over its port; the
// board is put in its loader by hand (a pty has no modem lines); the
// flash takes the port from the dashboard's own node (the port loan,
// as avmsh flash does), writes and verifies; the node gets the port
// back, the console shows the new application's boot, and the node is
// connected to the new application once it starts distribution.
func TestLiveFlashRedial(t *testing.T) {
	flashEnv(t)
	var sim *espsim.Sim
	sim, err := espsim.New(espsim.Config{Chip: "ESP32-S3", App: serialApp(&sim)})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	sim.PressReset(false) // power on: app1 runs
	l := dashboard(t)
	ctx := flashCtx(t)
	if name, err := l.Connect(ctx, "serial:"+pty); err != nil || name != "app1@serial.local" {
		t.Fatalf("connect: %v %v", name, err)
	}
	waitDevice(t, ctx, l, pty, "app1's console", func(d source.Device) bool {
		return d.Open && d.Node == "app1@serial.local"
	})
	if got := l.LastFlashFile(ctx, pty); got != "" {
		t.Fatalf("a file remembered before any flash: %q", got)
	}
	sim.PressReset(true) // hold BOOT, press EN
	path, app := writeAVM(t, 150_000, 1)
	plan, err := l.PlanFlash(ctx, pty, path)
	if err != nil || plan.Kind != source.FlashApp || plan.Pico || plan.Confirm || plan.Size != int64(len(app)) || plan.Path != path {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	var rec recorder
	res, err := l.Flash(ctx, plan, rec.add)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sim.Flash(0x250000, len(app)), app) {
		t.Fatal("the flash at main.avm (0x250000) differs from the file")
	}
	if res.Chip != "ESP32-S3" || len(res.Regions) != 1 || res.Regions[0].Name != "main.avm" || res.Regions[0].Offset != 0x250000 ||
		res.Regions[0].Written != 37*4096 || res.Lender == "" || !res.Reconnect || res.Started != "reboot command" || res.File != "app.avm" {
		t.Errorf("result %+v", res)
	}
	checkProgress(t, rec.all(), int64(len(app)))
	// Recorded in the fleet, as avmsh flash records (devices/flashrec).
	store, _ := flashrec.DefaultStore(os.Getenv)
	boards, err := store.Boards()
	if err != nil || len(boards) != 1 || boards[0].LastFlash == nil || boards[0].LastFlash.File != "app.avm" ||
		boards[0].LastFlash.MD5 != res.Regions[0].MD5 || boards[0].LastFlash.Partition != "main.avm" || boards[0].Chip != "ESP32-S3" {
		t.Errorf("fleet: %+v %v", boards, err)
	}
	waitDevice(t, ctx, l, pty, "the new application's boot and node", func(d source.Device) bool {
		c := strings.Join(d.Console, "\n")
		return d.Open && d.Node == "app2@serial.local" && strings.Contains(c, "app2 alive")
	})
	if got := l.LastFlashFile(ctx, pty); got != path {
		t.Errorf("last file %q, want %q", got, path)
	}
	if got := dashboard(t).LastFlashFile(ctx, pty); got != path { // another session
		t.Errorf("last file in a new session %q, want %q", got, path)
	}
}

// checkProgress: snapshots name the steps, the write goes to its end,
// with a rate and a time left.
func checkProgress(t *testing.T, ps []source.FlashProgress, size int64) {
	t.Helper()
	var logs []string
	wrote, rated := false, false
	for _, p := range ps {
		logs = append(logs, p.Log)
		if p.Phase == "write" && p.Region == "main.avm" && p.Done == p.Total && p.Total >= size && p.ETA == 0 {
			wrote = true
		}
		if p.Phase == "write" && p.Rate > 0 && p.Done < p.Total && p.ETA >= 0 {
			rated = true
		}
	}
	all := strings.Join(logs, "\n")
	for _, want := range []string{"Taking ", "Connecting to ", "Chip is ESP32-S3", "Partition main.avm"} {
		if !strings.Contains(all, want) {
			t.Errorf("no step %q in the progress", want)
		}
	}
	if !wrote || !rated {
		t.Errorf("write progress: to the end %v, with a rate %v (%d snapshots)", wrote, rated, len(ps))
	}
}

// A board nobody in avmsh held: after the flash the dashboard opens its
// port (the console shows the boot) and connects to its node when the
// application starts distribution.
func TestLiveFlashOpensThePort(t *testing.T) {
	flashEnv(t)
	var sim *espsim.Sim
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", InLoader: true, App: serialApp(&sim)})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	l := dashboard(t)
	ctx := flashCtx(t)
	path, app := writeAVM(t, 20_000, 2)
	plan, err := l.PlanFlash(ctx, pty, path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Flash(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sim.Flash(0x250000, len(app)), app) || res.Lender != "" || !res.Reconnect {
		t.Fatalf("result %+v", res)
	}
	waitDevice(t, ctx, l, pty, "the port opened, the node connected", func(d source.Device) bool {
		return d.Open && d.Node == "app1@serial.local" && strings.Contains(strings.Join(d.Console, "\n"), "app1 alive")
	})
}

// --before no-reset and --after no-reset through the real path (a pty,
// which refuses DTR/RTS): no reset is tried (the steps say so, and never
// that the lines failed), the flash is verified, and the board stays in
// its loader: nothing is started, so nothing is reconnected to.
func TestLiveFlashNoReset(t *testing.T) {
	flashEnv(t)
	var sim *espsim.Sim
	sim, err := espsim.New(espsim.Config{Chip: "ESP32-S3", InLoader: true, App: serialApp(&sim)})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	l := dashboard(t)
	ctx := flashCtx(t)
	path, app := writeAVM(t, 30_000, 5)
	plan, err := l.PlanFlash(ctx, pty, path)
	if err != nil {
		t.Fatal(err)
	}
	plan.Settings.Before, plan.Settings.After = espflash.NoReset, espflash.StayInLoader
	var rec recorder
	res, err := l.Flash(ctx, plan, rec.add)
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, p := range rec.all() {
		logs = append(logs, p.Log)
	}
	all := strings.Join(logs, "\n")
	if !strings.Contains(all, "Connecting to "+pty+" (no reset)") || strings.Contains(all, "DTR/RTS could not be set") {
		t.Errorf("steps:\n%s", all)
	}
	if !bytes.Equal(sim.Flash(0x250000, len(app)), app) || res.Started != "" || res.Reconnect || res.Regions[0].MD5 == "" {
		t.Fatalf("result %+v", res)
	}
	if !sim.InLoader() || sim.Boots() != 0 {
		t.Errorf("--after no-reset: in the loader %v, boots %d", sim.InLoader(), sim.Boots())
	}
	if again, err := l.PlanFlash(ctx, pty, path); err != nil || again.Settings.Before != espflash.NoReset || again.Settings.After != espflash.StayInLoader {
		t.Errorf("not remembered: %+v %v", again.Settings, err)
	}
}

// Cancelling stops a flash between commands: an error (never a
// result), and the port given back.
func TestLiveFlashCancel(t *testing.T) {
	flashEnv(t)
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", InLoader: true, Pace: true})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	l := dashboard(t)
	path, app := writeAVM(t, 300_000, 3)
	plan, err := l.PlanFlash(flashCtx(t), pty, path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(flashCtx(t))
	defer cancel()
	res, err := l.Flash(ctx, plan, func(p source.FlashProgress) {
		if p.Phase == "write" && p.Done > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled flash: %+v, %v", res, err)
	}
	if bytes.Equal(sim.Flash(0x250000, len(app)), app) {
		t.Fatal("the whole file was written after the cancel")
	}
	// The port is free again: a flash (no pacing needed) completes.
	if _, err := l.Flash(flashCtx(t), plan, nil); err != nil {
		t.Fatalf("flash after the cancel: %v", err)
	}
	if !bytes.Equal(sim.Flash(0x250000, len(app)), app) {
		t.Fatal("flash differs")
	}
}

// Files that are not for the board are refused before anything is
// written, saying why; a firmware image is asked about first.
func TestLivePlanFlash(t *testing.T) {
	flashEnv(t)
	l := dashboard(t)
	ctx := flashCtx(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	img := make([]byte, 64)
	img[0], img[12] = 0xE9, 9 // ESP image, chip id 9: ESP32-S3
	for _, c := range []struct {
		path, err string
	}{
		{write("zip.avm", []byte("PK\x03\x04 a zip")), "not an AtomVM .avm file"},
		{filepath.Join(dir, "missing.avm"), "no such file"},
		{dir, "is a directory"},
		{"", "type the path"},
	} {
		if _, err := l.PlanFlash(ctx, "/dev/null", c.path); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: %v, want %q", c.path, err, c.err)
		}
	}
	plan, err := l.PlanFlash(ctx, "/dev/null", write("AtomVM-esp32s3.img", img))
	if err != nil || plan.Kind != source.FlashFirmware || plan.ImageChip != "ESP32-S3" || !plan.Confirm {
		t.Errorf("firmware plan %+v %v", plan, err)
	}
}

// Closing Live (the dashboard quits) cancels a flash in progress: it
// ends in an error, never a result.
func TestLiveCloseCancelsFlash(t *testing.T) {
	flashEnv(t)
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", InLoader: true, Pace: true})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	l := dashboard(t)
	path, _ := writeAVM(t, 300_000, 4)
	plan, err := l.PlanFlash(flashCtx(t), pty, path)
	if err != nil {
		t.Fatal(err)
	}
	writing := make(chan struct{})
	var once sync.Once
	type outcome struct {
		res source.FlashResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := l.Flash(flashCtx(t), plan, func(p source.FlashProgress) {
			if p.Phase == "write" && p.Done > 0 {
				once.Do(func() { close(writing) })
			}
		})
		done <- outcome{res, err}
	}()
	select {
	case <-writing:
	case <-time.After(2 * time.Minute):
		t.Fatal("the flash never started writing")
	}
	l.Close()
	select {
	case o := <-done:
		if !errors.Is(o.err, context.Canceled) {
			t.Fatalf("flash after Close: %+v, %v", o.res, o.err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the flash went on after Close")
	}
}
