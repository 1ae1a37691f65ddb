//go:build !windows

package flashcmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/devices/uf2"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node/serialdist"
)

func board(path, vid, pid string) devices.Device {
	d := devices.Device{Path: path, USB: true, VID: vid, PID: pid}
	if b, ok := devices.LookupBoard(vid, pid); ok {
		d.Board = &b
	}
	return d
}

func listing(ds ...devices.Device) func(*Options) {
	return func(o *Options) {
		o.List = func(context.Context, devices.ListOptions) ([]devices.Device, error) { return ds, nil }
		o.Drives = rp2.Finder{Roots: []string{}}
	}
}

func TestPortChoice(t *testing.T) {
	path, _ := writeAVM(t, 100, 3)
	two := listing(board("/dev/ttyUSB0", "10c4", "ea60"), board("/dev/ttyACM0", "303a", "1001"))

	// Several boards, not a terminal: an error listing them.
	_, _, err := runCmd(t, testCtx(t), two, "", path)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "/dev/ttyUSB0  10c4:ea60") || !strings.Contains(err.Error(), "/dev/ttyACM0  303a:1001") {
		t.Errorf("exit %d: %v", cmdutil.ExitCode(err), err)
	}
	// On a terminal: a numbered prompt.
	var chosen *target
	pickPrep := func(o *Options) {
		two(o)
		o.IO.IsTerminal, o.IO.InIsTerminal = true, true
		o.OpenLink = func(device string, _ int) (espflash.Link, error) {
			chosen = &target{device: device}
			return nil, errors.New("stop here")
		}
		o.Borrow = func(context.Context, string, string) (*serialdist.Loan, error) { return &serialdist.Loan{}, nil }
	}
	_, errOut, err := runCmd(t, testCtx(t), pickPrep, "x\n2\n", path)
	if chosen == nil || chosen.device != "/dev/ttyACM0" || !strings.Contains(errOut, "2) /dev/ttyACM0") {
		t.Errorf("chose %+v (%v); stderr %q", chosen, err, errOut)
	}
	// One board: that one, with its reset circuit from the table.
	one := listing(board("/dev/ttyACM0", "303a", "1001"))
	o := optsWith(one)
	tg, err := chooseTarget(testCtx(t), o)
	if err != nil || tg.device != "/dev/ttyACM0" || o.settings().ResetStyle(tg.dev) != devices.ResetUSBJTAG {
		t.Errorf("target %+v, %v", tg, err)
	}
	// None: unreachable.
	if _, err := chooseTarget(testCtx(t), optsWith(listing())); cmdutil.ExitCode(err) != cmdutil.ExitUnreachable {
		t.Errorf("no board: %v", err)
	}
}

func optsWith(prep func(*Options)) *Options {
	o := &Options{IO: &cmdutil.IOStreams{}, ResetMode: "auto"}
	prep(o)
	return o
}

func TestUsageErrors(t *testing.T) {
	path, _ := writeAVM(t, 100, 3)
	notAVM := filepath.Join(t.TempDir(), "x.avm")
	os.WriteFile(notAVM, []byte("PK\x03\x04 a zip, not an avm"), 0o644)
	for _, args := range [][]string{
		{},
		{"/dev/ttyUSB0", path, "--before", "reset"},
		{"/dev/ttyUSB0", path, "--output", "yaml"},
		{"--uf2", "out.uf2"},
		{"/dev/ttyUSB0", path, "--erase-nvs"},
		{"/dev/ttyUSB0", notAVM},
		{"/dev/ttyUSB0", filepath.Join(t.TempDir(), "missing.avm")},
	} {
		_, _, err := runCmd(t, testCtx(t), listing(), "", args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d (%v)", args, cmdutil.ExitCode(err), err)
		}
	}
}

// The port is taken from an avmsh that holds it (here a node's serial
// transport listening on it) and given back afterwards.
func TestFlashBorrowsThePort(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	s, pty := simOnPTY(t, espsim.Config{Chip: "ESP32"})
	tr := serialdist.NewTransport(serialdist.PortConfig{Holder: "avmsh serve (test)", MinBurst: -1})
	defer tr.Close()
	l, err := tr.Listen("serial:" + pty)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	back := make(chan *serialdist.Port, 1)
	defer tr.OnReopen(func(p *serialdist.Port) { back <- p })()
	path, app := writeAVM(t, 20_000, 4)
	_, errOut, err := runCmd(t, testCtx(t), nil, "", pty, path, "--before", "no-reset")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "Took "+pty+" from avmsh serve (test)") {
		t.Errorf("stderr: %s", errOut)
	}
	if !equalFlash(s, 0x250000, app) {
		t.Error("flash differs")
	}
	select {
	case <-back:
	case <-time.After(60 * time.Second):
		t.Fatal("the holder did not get its port back")
	}
}

func equalFlash(s *espsim.Sim, addr int, b []byte) bool {
	return string(s.Flash(addr, len(b))) == string(b)
}

// fakeROM stands in for an RP2 boot ROM on a directory: it takes the
// first complete .uf2, decodes it, and "reboots" (removes the drive).
func fakeROM(t *testing.T, dir string) <-chan []uf2.Block {
	got := make(chan []uf2.Block, 1)
	go func() {
		deadline := time.Now().Add(60 * time.Second)
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
	}()
	return got
}

func makeDrive(t *testing.T, root, boardID string) string {
	dir := filepath.Join(root, boardID)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "INFO_UF2.TXT"), []byte("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: "+boardID+"\n"), 0o644)
	return dir
}

func payload(blocks []uf2.Block, family uint32) []byte {
	var b []byte
	for _, bl := range blocks {
		if bl.Family == family {
			b = append(b, bl.Data...)
		}
	}
	return b
}

func TestPicoOntoDrive(t *testing.T) {
	path, app := writeAVM(t, 3000, 5)
	dir := makeDrive(t, t.TempDir(), "RPI-RP2")
	rom := fakeROM(t, dir)
	out, errOut, err := runCmd(t, testCtx(t), listing(), "", dir, path, "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	blocks := <-rom
	for _, fam := range []uint32{uf2.FamilyRP2040, uf2.FamilyData} { // universal by default
		if p := payload(blocks, fam); string(p[:len(app)]) != string(app) {
			t.Errorf("family %x: payload is not the .avm", fam)
		}
	}
	if blocks[0].Addr != uf2.AppAddress {
		t.Errorf("address 0x%X", blocks[0].Addr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["rebooted"] != true || res["chip"] != "RP2040" {
		t.Errorf("result %q (%v)", out, err)
	}
}

// A running Pico on a serial port: the 1200-baud touch makes its drive
// appear; the file goes there.
func TestPicoThroughPort(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	path, app := writeAVM(t, 1000, 6)
	root := t.TempDir()
	var rom <-chan []uf2.Block
	touched := ""
	prep := func(o *Options) {
		listing(board("/dev/ttyACM7", "2e8a", "000a"))(o)
		o.Drives = rp2.Finder{Roots: []string{root}}
		o.Touch = func(dev string) error {
			touched = dev
			rom = fakeROM(t, makeDrive(t, root, "RP2350"))
			return nil
		}
	}
	_, errOut, err := runCmd(t, testCtx(t), prep, "", "/dev/ttyACM7", path, "--chip", "rp2350")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if touched != "/dev/ttyACM7" {
		t.Errorf("touched %q", touched)
	}
	blocks := <-rom
	if p := payload(blocks, uf2.FamilyRP2350ArmS); len(p) < len(app) || string(p[:len(app)]) != string(app) {
		t.Error("RP2350 family payload is not the .avm")
	}
}

func TestUF2Only(t *testing.T) {
	path, app := writeAVM(t, 700, 7)
	out := filepath.Join(t.TempDir(), "app.uf2")
	if _, _, err := runCmd(t, testCtx(t), nil, "", "--uf2", out, "--chip", "rp2040", path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	blocks, err := uf2.Decode(b)
	if err != nil || len(blocks) != 3 || string(payload(blocks, uf2.FamilyRP2040)[:len(app)]) != string(app) {
		t.Fatalf("%d blocks, %v", len(blocks), err)
	}
}
