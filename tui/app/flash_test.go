package app_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/source"
)

// The flash flow of the devices view (f), against a fake flasher the
// test drives step by step: the prompt, the progress bar, a verified
// result, an error, a cancel.

// flashFake is fakeSource plus source.Flasher.
type flashFake struct {
	*fakeSource
	last  map[string]string
	steps chan source.FlashProgress // snapshots Flash reports, in order
	end   chan error                // Flash returns (nil: verified)
	done  chan struct{}             // closed at the end of the test

	mu      sync.Mutex
	flashed []string // "port path" per Flash
}

func newFlashFake(t *testing.T) *flashFake {
	f := &flashFake{fakeSource: newFake(), last: map[string]string{"/dev/ttyUSB0": "testdata/flash/blinky.avm"},
		steps: make(chan source.FlashProgress), end: make(chan error), done: make(chan struct{})}
	t.Cleanup(func() { close(f.done) })
	return f
}

func (f *flashFake) flashes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.flashed...)
}

func (f *flashFake) LastFlashFile(_ context.Context, port string) string { return f.last[port] }

func (f *flashFake) PlanFlash(_ context.Context, port, path string) (source.FlashPlan, error) {
	p := source.FlashPlan{Port: port, Board: "ESP32 (CP210x)", Path: path, Size: 150_000}
	switch {
	case strings.HasSuffix(path, ".avm"):
		p.Kind = source.FlashApp
	case strings.HasSuffix(path, ".img"):
		p.Kind, p.ImageChip, p.Confirm, p.Size = source.FlashFirmware, "ESP32", true, 1_234_567
	default:
		return p, fmt.Errorf("%s: %w: it does not start with \"#!/usr/bin/env AtomVM\"", path, espflash.ErrNotAVM)
	}
	return p, nil
}

// Flash reports what the test sends on steps, and returns what it sends
// on end (or the context's error once cancelled).
func (f *flashFake) Flash(ctx context.Context, plan source.FlashPlan, progress func(source.FlashProgress)) (source.FlashResult, error) {
	f.mu.Lock()
	f.flashed = append(f.flashed, plan.Port+" "+plan.Path)
	f.mu.Unlock()
	for {
		select {
		case p := <-f.steps:
			progress(p)
		case err := <-f.end:
			if err != nil {
				return source.FlashResult{}, err
			}
			return source.FlashResult{Port: plan.Port, File: filepath.Base(plan.Path), Kind: plan.Kind, Chip: "ESP32", MAC: "24:0a:c4:12:34:56",
				FlashSize: 4 << 20, Seconds: 6.4, Started: "hard reset", Lender: "avmsh (pid 4242)", Reconnect: true,
				Regions: []source.FlashRegion{{Name: "main.avm", Offset: 0x250000, Size: 150_000, Written: 37 * 4096, Skipped: 0,
					MD5: "4f9a1c0de0b2e47e8c5a3a1b6d0e2f11"}}}, nil
		case <-ctx.Done():
			return source.FlashResult{}, &espflash.Error{Port: plan.Port, Step: "write 0x250000", Err: ctx.Err()}
		case <-f.done:
			return source.FlashResult{}, errors.New("test over")
		}
	}
}

func startFlash(t *testing.T, f *flashFake) *teatest.TestModel {
	t.Helper()
	m := app.New(f, app.Options{Refresh: time.Hour, Theme: plainTheme()})
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 30))
}

// openFlashPrompt shows the devices view and presses f on /dev/ttyUSB0.
func openFlashPrompt(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	send(tm, "4")
	waitFor(t, tm, "/dev/ttyACM0")
	send(tm, "f")
	waitFor(t, tm, "flash onto /dev/ttyUSB0: testdata/flash/blinky.avm")
}

var writing = source.FlashProgress{Log: "Changed to 460800 baud", Region: "main.avm", Phase: "write",
	Done: 64 << 10, Total: 150_000, Rate: 40 << 10, ETA: 2 * time.Second}

// TestFlashPrompt: f asks for the file, starting from the one last
// flashed onto the board; tab completes .avm files and directories.
func TestFlashPrompt(t *testing.T) {
	tm := startFlash(t, newFlashFake(t))
	openFlashPrompt(t, tm)
	send(tm, "ctrl+u")
	tm.Type("testdata/fl")
	send(tm, "tab")
	waitFor(t, tm, "onto /dev/ttyUSB0: testdata/flash/")
	send(tm, "tab")
	waitFor(t, tm, "blinky.avm  sensor.avm")
	_, v := finalView(t, tm)
	if strings.Contains(v, "notes.txt") {
		t.Fatalf("completion offers files that cannot be flashed:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestFlashProgress: enter flashes; the bar shows bytes, rate and time
// left, with the last step, and the console says where the port is.
func TestFlashProgress(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	openFlashPrompt(t, tm)
	send(tm, "enter")
	f.steps <- source.FlashProgress{Log: "Chip is ESP32 (revision v3.0), MAC 24:0a:c4:12:34:56", ETA: -1}
	f.steps <- writing
	waitFor(t, tm, "ETA 2s")
	_, v := finalView(t, tm)
	for _, want := range []string{"Writing main.avm", "44%", "64.0 KiB / 146.5 KiB", "40.0 KiB/s", "Changed to 460800 baud", "esc cancels"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
	golden.RequireEqual(t, []byte(v))
	if got := f.flashes(); len(got) != 1 || got[0] != "/dev/ttyUSB0 testdata/flash/blinky.avm" {
		t.Errorf("flashed %v", got)
	}
}

// TestFlashVerified: the result names the chip, the partition and the
// MD5 verified, and says the node is connected to when it starts.
func TestFlashVerified(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	openFlashPrompt(t, tm)
	send(tm, "enter")
	f.steps <- writing
	f.end <- nil
	waitFor(t, tm, "onto /dev/ttyUSB0, verified")
	_, v := finalView(t, tm)
	golden.RequireEqual(t, []byte(v))
}

// TestFlashError: the error names its step and port; a write that
// started is said to be possibly partial, never done.
func TestFlashError(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	openFlashPrompt(t, tm)
	send(tm, "enter")
	f.steps <- writing
	f.end <- &espflash.Error{Port: "/dev/ttyUSB0", Step: "write 0x250000", Err: errors.New("no answer to FLASH_DEFL_DATA within 3s"),
		Console: "rst:0x1 (POWERON_RESET)", Hint: "check the cable; try a lower --baud"}
	waitFor(t, tm, "flash onto /dev/ttyUSB0 failed")
	_, v := finalView(t, tm)
	for _, want := range []string{"failed at write 0x250000", "/dev/ttyUSB0: write 0x250000: no answer", "may hold a partial image"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
	if strings.Contains(v, "flashed ") || strings.Contains(v, "verified ") {
		t.Errorf("a failed flash called verified:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))

	// A board that never answered: nothing was written, and the view
	// says how to get it into its loader from here.
	f = newFlashFake(t)
	tm = startFlash(t, f)
	openFlashPrompt(t, tm)
	send(tm, "enter")
	f.steps <- source.FlashProgress{Log: "Connecting to /dev/ttyUSB0 (classic reset)...", ETA: -1}
	f.end <- &espflash.Error{Port: "/dev/ttyUSB0", Step: "sync", Err: fmt.Errorf("%w after 7 attempts", espflash.ErrNoSync)}
	waitFor(t, tm, "flash onto /dev/ttyUSB0 failed")
	_, v = finalView(t, tm)
	for _, want := range []string{"failed at sync", "nothing was written", "press f again"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
}

// TestFlashCancel: esc (or ctrl+c) cancels a flash in progress, which
// ends in "may hold a partial image", never done; esc then closes the
// result.
func TestFlashCancel(t *testing.T) {
	for i, k := range []tea.KeyMsg{{Type: tea.KeyEsc}, {Type: tea.KeyCtrlC}} {
		f := newFlashFake(t)
		tm := startFlash(t, f)
		openFlashPrompt(t, tm)
		send(tm, "enter")
		f.steps <- writing
		waitFor(t, tm, "ETA 2s")
		tm.Send(k)
		waitFor(t, tm, "cancelled at write 0x250000")
		if i == 0 {
			_, v := finalView(t, tm)
			if !strings.Contains(v, "may hold a partial image") || strings.Contains(v, "verified ") {
				t.Fatalf("cancelled:\n%s", v)
			}
			golden.RequireEqual(t, []byte(v))
			continue
		}
		send(tm, "esc")
		waitFor(t, tm, "console /dev/ttyUSB0")
		m, v := finalView(t, tm)
		if m.Current() != "Devices" || strings.Contains(v, "cancelled") {
			t.Fatalf("after esc:\n%s", v)
		}
	}
}

// TestFlashRefused: a file that is not for the board is refused in the
// prompt, saying why; nothing is flashed.
func TestFlashRefused(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	openFlashPrompt(t, tm)
	send(tm, "ctrl+u")
	tm.Type("testdata/flash/notes.txt")
	send(tm, "enter")
	waitFor(t, tm, "not an AtomVM .avm file")
	_, v := finalView(t, tm)
	if got := f.flashes(); len(got) != 0 {
		t.Fatalf("flashed %v", got)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestFlashFirmwareConfirm: an AtomVM image is asked about first; n
// flashes nothing.
func TestFlashFirmwareConfirm(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	openFlashPrompt(t, tm)
	send(tm, "ctrl+u")
	tm.Type("AtomVM-esp32-v0.6.6.img")
	send(tm, "enter")
	waitFor(t, tm, "(y/n)")
	send(tm, "n")
	waitFor(t, tm, "nothing was flashed")
	send(tm, "f")
	waitFor(t, tm, "flash onto /dev/ttyUSB0")
	send(tm, "ctrl+u")
	tm.Type("AtomVM-esp32-v0.6.6.img")
	send(tm, "enter")
	waitFor(t, tm, "(y/n)")
	_, v := finalView(t, tm)
	if !strings.Contains(v, "install AtomVM image AtomVM-esp32-v0.6.6.img (1.2 MiB) for ESP32") || len(f.flashes()) != 0 {
		t.Fatalf("flashed %v:\n%s", f.flashes(), v)
	}
}
