//go:build !windows

package source

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/devices/uf2"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// A Pico on a serial port: the flash touches the port at 1200 baud
// (here: the drive appears), copies the .avm as a universal UF2 at
// AtomVM's application address to the BOOTSEL drive, and is done when
// the boot ROM took it (the drive went away).
func TestLiveFlashPico(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	pa, _ := serialtest.SocatPair(t)
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
	root := t.TempDir()
	pico := devices.Device{Path: pa, USB: true, VID: "2e8a", PID: "000a", SerialNumber: "E6614C311B4A2F31"}
	f := l.flasher
	f.list = func(context.Context, devices.ListOptions) ([]devices.Device, error) {
		return []devices.Device{pico}, nil
	}
	f.drives = rp2.Finder{Roots: []string{root}}
	got := make(chan []uf2.Block, 1)
	f.touch = func(device string) error {
		if device != pa {
			t.Errorf("touched %s", device)
		}
		dir := filepath.Join(root, "RPI-RP2")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "INFO_UF2.TXT"), []byte("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n"), 0o644)
		go bootROM(dir, got)
		return nil
	}
	avm := append(append([]byte(nil), espflash.AVMHeader...), strings.Repeat("pico app ", 300)...)
	path := filepath.Join(t.TempDir(), "blink.avm")
	if err := os.WriteFile(path, avm, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	plan, err := l.PlanFlash(ctx, pa, path)
	if err != nil || !plan.Pico || plan.Kind != FlashApp {
		t.Fatalf("plan %+v %v", plan, err)
	}
	var logs []string
	res, err := l.Flash(ctx, plan, func(p FlashProgress) { logs = append(logs, p.Log) })
	if err != nil {
		t.Fatal(err)
	}
	blocks := <-got
	for _, fam := range []uint32{uf2.FamilyRP2040, uf2.FamilyData} {
		var payload []byte
		for _, b := range blocks {
			if b.Family == fam {
				payload = append(payload, b.Data...)
			}
		}
		if len(payload) < len(avm) || string(payload[:len(avm)]) != string(avm) || blocks[0].Addr != uf2.AppAddress {
			t.Errorf("family %x: the payload is not the .avm at 0x%X", fam, uf2.AppAddress)
		}
	}
	if res.Chip != "RP2040" || res.Drive != filepath.Join(root, "RPI-RP2") || res.Started != "rebooted" || len(res.Regions) != 1 || res.Regions[0].Name != "blink.uf2" {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "1200-baud touch") {
		t.Errorf("steps: %q", logs)
	}
	if last := l.LastFlashFile(ctx, pa); last != path {
		t.Errorf("last file %q", last)
	}
	// A .uf2 is AtomVM itself for a Pico (asked about first); an ESP
	// image is refused.
	os.WriteFile(path+".uf2", uf2.Encode(avm, uf2.AppAddress, uf2.RP2040), 0o644)
	if plan, err := l.PlanFlash(ctx, pa, path+".uf2"); err != nil || plan.Kind != FlashUF2 || !plan.Confirm {
		t.Errorf("uf2 plan %+v %v", plan, err)
	}
	img := make([]byte, 64)
	img[0] = 0xE9
	os.WriteFile(path+".img", img, 0o644)
	if _, err := l.PlanFlash(ctx, pa, path+".img"); err == nil || !strings.Contains(err.Error(), "this board is a Raspberry Pi Pico") {
		t.Errorf("ESP image for a Pico: %v", err)
	}
}

// bootROM stands in for the RP2 boot ROM on dir: it takes the first
// complete .uf2 and "reboots" (the drive goes away).
func bootROM(dir string, got chan<- []uf2.Block) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ms, _ := filepath.Glob(filepath.Join(dir, "*.uf2"))
		for _, m := range ms {
			b, _ := os.ReadFile(m)
			if blocks, err := uf2.Decode(b); err == nil {
				os.RemoveAll(dir)
				got <- blocks
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(got)
}

// The meter reports rate and time left per phase, from its clock.
func TestMeter(t *testing.T) {
	now := time.Unix(0, 0)
	var got []FlashProgress
	m := &meter{now: func() time.Time { return now }, report: func(p FlashProgress) { got = append(got, p) }}
	m.log("Chip is ESP32")
	m.update(espflash.Progress{Region: "main.avm", Phase: "write", Done: 0, Total: 100 << 10})
	now = now.Add(2 * time.Second)
	m.update(espflash.Progress{Region: "main.avm", Phase: "write", Done: 20 << 10, Total: 100 << 10})
	p := got[len(got)-1]
	if p.Log != "Chip is ESP32" || p.Rate != 10<<10 || p.ETA != 8*time.Second {
		t.Fatalf("%+v", p)
	}
	if got[1].ETA >= 0 || got[1].Rate != 0 {
		t.Fatalf("before any byte: %+v", got[1])
	}
	m.update(espflash.Progress{Region: "main.avm", Phase: "verify", Done: 0, Total: 100 << 10}) // a new phase: a new clock
	now = now.Add(time.Second)
	m.update(espflash.Progress{Region: "main.avm", Phase: "verify", Done: 100 << 10, Total: 100 << 10})
	if p := got[len(got)-1]; p.Rate != 100<<10 || p.ETA != 0 {
		t.Fatalf("%+v", p)
	}
}

// The remembered files survive a corrupt file (kept as .bad) and stay
// bounded.
func TestLastFiles(t *testing.T) {
	dir := t.TempDir()
	tick := int64(1)
	l := &lastFiles{dir: dir, now: func() time.Time { tick++; return time.Unix(tick, 0) }}
	os.WriteFile(l.path(), []byte("{not json"), 0o644)
	if got := l.get("port:/dev/ttyUSB0"); got != "" {
		t.Fatalf("corrupt file: %q", got)
	}
	if err := l.set("port:/dev/ttyUSB0", "/home/me/app.avm", nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(l.path() + ".bad"); string(b) != "{not json" {
		t.Fatalf("the corrupt file was not kept: %q", b)
	}
	if got := l.get("port:/dev/ttyUSB0"); got != "/home/me/app.avm" {
		t.Fatalf("got %q", got)
	}
	for i := 0; i < maxFlashFilesBoard; i++ {
		if err := l.set(fmt.Sprintf("port:/dev/x%d", i), "f", nil); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := l.read()
	if err != nil || len(doc.Boards) != maxFlashFilesBoard || l.get("port:/dev/ttyUSB0") != "" || l.get("port:/dev/x0") != "f" {
		t.Fatalf("%d boards (the oldest should go), %v", len(doc.Boards), err)
	}
}
