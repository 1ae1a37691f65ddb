//go:build !windows

package loadcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/vm/beam"
)

var beamTestdata = filepath.Join("..", "..", "..", "..", "..", "vm", "beam", "testdata")

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// boardAVM is the application flashed on the simulated board: a start
// module and an old hello.
func boardAVM() []byte {
	return avm.Encode([]avm.Record{
		{Name: "app.beam", Flags: avm.FlagStart | avm.FlagBEAM, Data: bytes.Repeat([]byte{0xA0}, 30_000)},
		{Name: "hello.beam", Flags: avm.FlagBEAM, Data: bytes.Repeat([]byte{0xB0}, 9_000)},
		{Name: "lib.beam", Flags: avm.FlagBEAM, Data: bytes.Repeat([]byte{0xC0}, 40_000)},
	})
}

// startBoard runs a simulated ESP32 behind a pty with the fake AtomVM
// application, powered on (its node runs).
func startBoard(t *testing.T, machine, arch string) (*fakeBoard, string) {
	t.Helper()
	fb := &fakeBoard{name: "board@serial.local", cookie: "PersistTest", machine: machine, arch: arch}
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", App: fb.app})
	if err != nil {
		t.Fatal(err)
	}
	fb.sim = sim
	sim.WriteFlash(0x250000, boardAVM())
	pty := espsim.ServePTY(t, sim)
	sim.PressReset(false) // power on
	return fb, pty
}

type persistRun struct {
	out, err string
	code     int
	state    string // XDG_STATE_HOME
}

// runPersist runs `avmsh load --persist serial:PTY files...` with the
// board's modem lines wired to the simulator and the USB device given.
func runPersist(t *testing.T, fb *fakeBoard, pty string, usb devices.Device, json bool, files ...string) persistRun {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	state := t.TempDir()
	out, errOut := &syncBuf{}, &syncBuf{}
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, Getenv: func(string) string { return "" }}
	o := &Options{Nodes: []string{"serial:" + pty}, Files: files, Persist: true, Baud: 460800}
	o.Cookie, o.Timeout, o.Format = "PersistTest", 90*time.Second, cmdutil.OutputErlang
	if json {
		o.Format = cmdutil.OutputJSON
	}
	o.PersistDeps = PersistDeps{
		List: func(context.Context, devices.ListOptions) ([]devices.Device, error) {
			return []devices.Device{usb}, nil
		},
		OpenLink: func(device string, baud int) (espflash.Link, error) {
			l, err := espflash.OpenSerial(device, baud)
			if err != nil {
				return nil, err
			}
			return wiredLink{Link: l, sim: fb.sim}, nil
		},
		Fleet: func() (*fleet.Store, error) { return fleet.Open(state), nil },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	err := Run(ctx, f, o)
	r := persistRun{out: out.String(), err: errOut.String(), code: cmdutil.ExitCode(err), state: state}
	if err != nil {
		r.err += "\n" + err.Error()
	}
	return r
}

func stripped(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := beam.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Strip(beam.StripOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The whole story on one serial port: avmsh connects to the board's
// node, loads hello (changed) and counter (new) into it, takes the port
// from its own node, resets the board into its ROM loader through
// DTR/RTS, reads the board's .avm, puts the modules in, writes only the
// sectors that changed, verifies, resets the board into its application,
// records the flash in the fleet, and waits for the node to be back. The
// application's next boot finds the new modules in flash.
func TestPersistOntoSimulatedESP32(t *testing.T) {
	fb, pty := startBoard(t, "ATOM", "xtensa-esp-esp_idf")
	hello, counter := filepath.Join(beamTestdata, "hello.beam"), filepath.Join(beamTestdata, "counter.beam")
	usb := devices.Device{Path: pty, USB: true, VID: "10c4", PID: "ea60", SerialNumber: "0001"}
	r := runPersist(t, fb, pty, usb, false, hello, counter)
	t.Logf("stdout:\n%s\nstderr:\n%s", r.out, r.err)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
	}
	for _, want := range []string{"hello → board@serial.local: loaded", "counter → board@serial.local: loaded",
		"main.avm on " + pty + " (ESP32): rebuilt with hello (replaced), counter (added)", "verified",
		"The board restarted from it (hard reset); board@serial.local is back after"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.out)
		}
	}
	for _, want := range []string{"Persisting on " + pty, "Reading main.avm from the board", "Read main.avm from the board", "Verifying main.avm"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.err)
		}
	}
	// The board's boot log after the restart is shown as its console,
	// as the one at power-on was (it was lost: the flasher read it, and
	// the node's console copy did not follow the port back from the
	// loan).
	console := "[" + strings.TrimPrefix(pty, "/dev/") + "] "
	_, after, _ := strings.Cut(r.err, "Verifying main.avm")
	for _, want := range []string{console + "rst:0x1 (POWERON_RESET)", console + "I (412) AtomVM: Starting main.avm..."} {
		if !strings.Contains(after, want) {
			t.Errorf("stderr lacks the boot log line %q after the flash:\n%s", want, r.err)
		}
	}
	// The board booted twice: at power-on and after the flash; the second
	// boot read the new modules from flash, the start module first.
	if n := fb.bootCount(); n != 2 {
		t.Fatalf("%d boots; events %v; lines %v\nstderr %s", n, fb.sim.Events(), fb.sim.Lines(), r.err)
	}
	boot := fb.lastBoot()
	if !bytes.Equal(boot["hello.beam"], stripped(t, hello)) || !bytes.Equal(boot["counter.beam"], stripped(t, counter)) {
		t.Error("the board's flash does not hold the loaded modules")
	}
	if !bytes.Equal(boot["lib.beam"], bytes.Repeat([]byte{0xC0}, 40_000)) {
		t.Error("a module that was not loaded changed")
	}
	d, err := avm.Decode(fb.sim.Flash(0x250000, 0x100000))
	if err != nil || d.Records[0].Name != "app.beam" || !d.Records[0].IsStart() {
		t.Fatalf("the start module is no longer first: %v", err)
	}
	// Fleet: the board, its chip, the AtomVM version its node reported.
	bs, err := fleet.Open(r.state).Boards()
	if err != nil || len(bs) != 1 {
		t.Fatalf("fleet %+v %v", bs, err)
	}
	if b := bs[0]; b.Key != "usb:10c4:ea60:0001" || b.Chip != "ESP32" || b.AtomVM != "0.6.6" || b.LastFlash == nil ||
		!strings.Contains(b.LastFlash.File, "load --persist hello, counter") || b.LastFlash.Partition != "main.avm" {
		t.Errorf("fleet board %+v, last flash %+v", b, b.LastFlash)
	}
}

// Only the changed sectors are written, and the JSON says so.
func TestPersistWritesOnlyChangedSectors(t *testing.T) {
	fb, pty := startBoard(t, "ATOM", "xtensa-esp-esp_idf")
	hello := filepath.Join(beamTestdata, "hello.beam")
	r := runPersist(t, fb, pty, devices.Device{Path: pty}, true, hello)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
	}
	var doc struct {
		Loads     []jsonResult  `json:"loads"`
		Persisted []jsonPersist `json:"persisted"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("%v in %s", err, r.out)
	}
	if len(doc.Loads) != 1 || doc.Loads[0].Status != "loaded" || len(doc.Persisted) != 1 {
		t.Fatalf("document %s", r.out)
	}
	p := doc.Persisted[0]
	total := (p.Size + 4095) / 4096 * 4096
	// hello sits after app.beam's 30 KB: the sectors before it are the
	// same; lib.beam moves (hello's size changed), so the rest differs.
	if p.Status != "persisted" || !p.Verified || p.BytesSkipped < 7*4096 || p.BytesWritten+p.BytesSkipped != int64(total) ||
		len(p.Replaced) != 1 || p.Previous == nil || p.Previous.Size != len(boardAVM()) || p.Back != "board@serial.local" {
		t.Errorf("persisted %+v", p)
	}
}

// Boards that cannot be persisted are refused before anything is
// loaded, with the reason and what to do: a Pico (by its USB ID, or by
// what AtomVM says), a BEAM node, AtomVM on a computer.
func TestPersistRefusals(t *testing.T) {
	hello := filepath.Join(beamTestdata, "hello.beam")
	for _, c := range []struct {
		name, machine, arch string
		usb                 devices.Device
		want                string
	}{
		{"pico by USB id", "ATOM", "arm-rp2-none", devices.Device{USB: true, VID: "2e8a", PID: "000a"}, "is a Raspberry Pi Pico (2e8a:000a)"},
		{"pico by system_architecture", "ATOM", "arm-rp2-none", devices.Device{}, "AtomVM says arm-rp2-none"},
		{"BEAM", "BEAM", "x86_64-pc-linux-gnu", devices.Device{}, "is a BEAM node (OTP 25)"},
		{"AtomVM on a computer", "ATOM", "x86_64-pc-linux-gnu", devices.Device{}, "runs AtomVM on a computer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fb, pty := startBoard(t, c.machine, c.arch)
			c.usb.Path = pty
			r := runPersist(t, fb, pty, c.usb, false, hello)
			if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, c.want) || !strings.Contains(r.err, "Nothing was loaded") {
				t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.err)
			}
			if fb.liveLoads() != 0 || fb.bootCount() != 1 {
				t.Errorf("%d modules loaded, %d boots", fb.liveLoads(), fb.bootCount())
			}
		})
	}
}

// A module the board's AtomVM refuses: the others are loaded, none is
// written to flash, exit 1.
func TestPersistSkipsWhenALoadIsRefused(t *testing.T) {
	fb, pty := startBoard(t, "ATOM", "xtensa-esp-esp_idf")
	fb.refuseModule("counter")
	r := runPersist(t, fb, pty, devices.Device{Path: pty}, false, filepath.Join(beamTestdata, "hello.beam"), filepath.Join(beamTestdata, "counter.beam"))
	if r.code != cmdutil.ExitRemote || !strings.Contains(r.out, "counter → board@serial.local: refused (badfile)") ||
		!strings.Contains(r.out, "not persisted: not every module was loaded") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.err)
	}
	if fb.sim.Count(0x10) != 0 || fb.bootCount() != 1 {
		t.Errorf("the board was flashed or reset: %v", fb.sim.Events())
	}
}

// A board whose application partition holds no .avm: the modules are
// loaded, nothing is written, and the error says what to do.
func TestPersistWithoutAnAppOnTheBoard(t *testing.T) {
	fb, pty := startBoard(t, "ATOM", "xtensa-esp-esp_idf")
	fb.sim.WriteFlash(0x250000, bytes.Repeat([]byte{0xFF}, 100_000))
	r := runPersist(t, fb, pty, devices.Device{Path: pty}, false, filepath.Join(beamTestdata, "hello.beam"))
	if r.code != cmdutil.ExitRemote || !strings.Contains(r.err, "does not hold an .avm") || !strings.Contains(r.err, "avmsh pack") || !strings.Contains(r.out, "not persisted") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.err)
	}
	if fb.sim.Count(0x10) != 0 { // FLASH_DEFL_BEGIN
		t.Error("something was written")
	}
}

func TestPersistUsage(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Getenv: func(string) string { return "" }}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Nodes: []string{"serial:/dev/ttyUSB0"}, Watch: ".", Persist: true}, "not with --watch"},
		{Options{Nodes: []string{"serial:/dev/ttyUSB0"}, Files: []string{"x.beam"}, All: true, Persist: true}, "--all reaches nodes over the network"},
	} {
		c.o.Format = cmdutil.OutputErlang
		err := Run(context.Background(), f, &c.o)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v", err)
		}
	}
}
