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
	flashed []string           // "port path" per Flash
	plans   []source.FlashPlan // the plans Flash was given
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

func (f *flashFake) flashPlans() []source.FlashPlan {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]source.FlashPlan(nil), f.plans...)
}

func (f *flashFake) LastFlashFile(_ context.Context, port string) string { return f.last[port] }

func (f *flashFake) PlanFlash(_ context.Context, port, path string) (source.FlashPlan, error) {
	p := source.FlashPlan{Port: port, Board: "ESP32 (CP210x)", Path: path, Size: 150_000, Settings: espflash.DefaultSettings()}
	if port == "/dev/ttyACM0" {
		p.Board, p.Pico, p.Settings = "Raspberry Pi Pico", true, espflash.Settings{}
	}
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
	f.plans = append(f.plans, plan)
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
	m := app.New(f, testOptions(t, f))
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

// flashIt goes from the prompt to the flash: enter checks the file and
// shows the plan with its options, enter flashes.
func flashIt(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	send(tm, "enter")
	waitFor(t, tm, "options: r --before")
	send(tm, "enter")
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
	flashIt(t, tm)
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
	flashIt(t, tm)
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
	flashIt(t, tm)
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
	flashIt(t, tm)
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
		flashIt(t, tm)
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

// readyPlan opens the prompt on the board (down moves to the Pico) with
// path, and enter shows the plan and its options.
func readyPlan(t *testing.T, tm *teatest.TestModel, down bool, path, want string) {
	t.Helper()
	send(tm, "4")
	waitFor(t, tm, "/dev/ttyACM0")
	if down {
		send(tm, "j")
	}
	send(tm, "f")
	waitFor(t, tm, "flash onto ")
	send(tm, "ctrl+u")
	tm.Type(path)
	send(tm, "enter")
	waitFor(t, tm, want)
}

// TestFlashOptionsLine: the checked file shows what the flash does and
// the options line, avmsh flash's defaults, with the keys that toggle
// them in the footer.
func TestFlashOptionsLine(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	readyPlan(t, tm, false, "testdata/flash/blinky.avm", "options: r --before")
	_, v := finalView(t, tm)
	for _, want := range []string{"flash blinky.avm (146.5 KiB) into main.avm on /dev/ttyUSB0, ESP32 (CP210x)? enter flashes",
		"r --before default-reset   a --after hard-reset   b --baud 460800", "enter flashes  esc cancels  r before  a after  b baud"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
	if strings.Contains(v, "--erase") || len(f.flashes()) != 0 {
		t.Errorf("erase options for an .avm, or flashed %v:\n%s", f.flashes(), v)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestFlashOptionsToggle: r, a and b change --before, --after and
// --baud (cycling); the line shows the new values.
func TestFlashOptionsToggle(t *testing.T) {
	tm := startFlash(t, newFlashFake(t))
	readyPlan(t, tm, false, "testdata/flash/blinky.avm", "options: r --before")
	send(tm, "r", "a", "b")
	waitFor(t, tm, "b --baud 921600")
	send(tm, "b")
	waitFor(t, tm, "b --baud 115200")
	_, v := finalView(t, tm)
	if !strings.Contains(v, "r --before no-reset   a --after no-reset   b --baud 115200") {
		t.Fatalf("toggled:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestFlashOptionsReachFlasher: the toggled options are the plan's
// Settings that Flash receives (source.Live turns them into
// espflash.Run's options, as avmsh flash does), and the progress says
// which flags differ from the defaults.
func TestFlashOptionsReachFlasher(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	readyPlan(t, tm, false, "testdata/flash/blinky.avm", "options: r --before")
	send(tm, "r", "b", "r", "r", "enter")
	step := writing
	step.Log = "Changed to 921600 baud"
	f.steps <- step
	waitFor(t, tm, "ETA 2s")
	_, v := finalView(t, tm)
	want := espflash.DefaultSettings()
	want.Before, want.Baud = espflash.NoReset, 921600
	if ps := f.flashPlans(); len(ps) != 1 || ps[0].Settings != want {
		t.Fatalf("Flash got %+v, want settings %+v", ps, want)
	}
	if !strings.Contains(v, "\nwith --before no-reset --baud 921600") {
		t.Errorf("progress:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestFlashFirmwareOptions: an AtomVM image also offers --erase-nvs (N)
// and --erase-app (M), off by default; the question says what is kept;
// y installs with them.
func TestFlashFirmwareOptions(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	readyPlan(t, tm, false, "AtomVM-esp32-v0.6.6.img", "N --erase-nvs off")
	send(tm, "N")
	waitFor(t, tm, "N --erase-nvs on")
	send(tm, "enter") // not for AtomVM itself: y
	waitFor(t, tm, "installing AtomVM itself")
	_, v := finalView(t, tm)
	for _, want := range []string{"The board's NVS is overwritten; main.avm is kept. (y/n)", "M --erase-app off", "y installs  n cancels  r before  a after  b baud  N erase NVS  M erase main.avm"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
	if len(f.flashes()) != 0 {
		t.Fatalf("enter installed AtomVM: %v", f.flashes())
	}
	golden.RequireEqual(t, []byte(v))

	f = newFlashFake(t)
	tm = startFlash(t, f)
	readyPlan(t, tm, false, "AtomVM-esp32-v0.6.6.img", "N --erase-nvs off")
	send(tm, "M", "y")
	waitFor(t, tm, "flashing AtomVM image")
	if ps := f.flashPlans(); len(ps) != 1 || !ps[0].Settings.EraseApp || ps[0].Settings.EraseNVS {
		t.Errorf("Flash got %+v", ps)
	}
	finalView(t, tm)
}

// TestFlashPicoOptions: a Pico's BOOTSEL copy has no options: the line
// says so, and the keys change nothing.
func TestFlashPicoOptions(t *testing.T) {
	f := newFlashFake(t)
	tm := startFlash(t, f)
	readyPlan(t, tm, true, "testdata/flash/blinky.avm", "a BOOTSEL copy")
	send(tm, "r", "b", "enter")
	waitFor(t, tm, "flashing blinky.avm")
	_, v := finalView(t, tm)
	if ps := f.flashPlans(); len(ps) != 1 || !ps[0].Pico || ps[0].Settings != (espflash.Settings{}) {
		t.Errorf("Flash got %+v", ps)
	}
	if strings.Contains(v, "--before") || strings.Contains(v, "--baud") {
		t.Errorf("options for a Pico:\n%s", v)
	}
}

// TestFlashOptionsHelp: ? while the options show lists their keys (the
// help is generated from the view's bindings).
func TestFlashOptionsHelp(t *testing.T) {
	tm := startFlash(t, newFlashFake(t))
	readyPlan(t, tm, false, "testdata/flash/blinky.avm", "options: r --before")
	send(tm, "?")
	waitFor(t, tm, "--erase-app")
	_, v := finalView(t, tm)
	for _, want := range []string{"f         flash a file", "r         flash option --before: default-reset ↔ no-reset", "b         flash option --baud: 115200, 230400, 460800, 921600 in turn", "M         flash option --erase-app"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in:\n%s", want, v)
		}
	}
	golden.RequireEqual(t, []byte(v))
}
