//go:build !windows

package flashcmd

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/internal/espsim"
)

// fleetBoards reads the fleet state of this test ($XDG_STATE_HOME).
func fleetBoards(t *testing.T) []fleet.Board {
	t.Helper()
	bs, err := fleet.Open(filepath.Join(os.Getenv("XDG_STATE_HOME"), "avmsh")).Boards()
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// atomVMImage is an AtomVM-like firmware image for chip: the ESP image
// header, the start banner AtomVM's main.c compiles in, and AtomVM's
// partition table at 0x8000.
func atomVMImage(t *testing.T, chip string, version string) string {
	t.Helper()
	c, _ := espflash.ChipByName(chip)
	img := bytes.Repeat([]byte{0xFF}, 0x9000-int(c.BootloaderOffset))
	copy(img, []byte{0xE9, 3, 2, 0x20})
	binary.LittleEndian.PutUint16(img[12:], c.ID)
	copy(img[0x100:], "\x1b[0;32mI (%lu) %s: Starting AtomVM revision "+version+"\x1b[0m\n")
	copy(img[0x8000-c.BootloaderOffset:], espflash.EncodePartitionTable(espflash.AtomVMPartitions()))
	path := filepath.Join(t.TempDir(), "AtomVM-"+strings.ToLower(chip)+"-"+version+".img")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// After a verified flash the board is in the fleet state: chip, AtomVM
// version (read from the firmware image), the .avm (name, size, MD5,
// where), the partition table. A flash that fails records nothing.
func TestFlashIsRecordedInTheFleet(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, pty := simOnPTY(t, espsim.Config{Chip: "ESP32"})
	path, app := writeAVM(t, 20_000, 9)
	fw := atomVMImage(t, "ESP32", "v0.6.6")
	usb := devices.Device{Path: pty, USB: true, VID: "10c4", PID: "ea60", SerialNumber: "0001"}
	_, errOut, err := runCmd(t, testCtx(t), listing(usb), "", pty, path, "--firmware", fw, "--before", "no-reset")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	bs := fleetBoards(t)
	if len(bs) != 1 {
		t.Fatalf("boards %+v", bs)
	}
	b := bs[0]
	sum := md5.Sum(app)
	if b.Key != "usb:10c4:ea60:0001" || b.Chip != "ESP32" || b.AtomVM != "v0.6.6" || b.Flashes != 2 || len(b.Partitions) != 5 || b.Partitions[4].Name != "main.avm" {
		t.Errorf("board %+v", b)
	}
	if l := b.LastFlash; l == nil || l.File != "app.avm" || l.Size != int64(len(app)) || l.MD5 != hex.EncodeToString(sum[:]) || l.Offset != 0x250000 || l.Partition != "main.avm" || l.At.IsZero() {
		t.Errorf("last flash %+v", b.LastFlash)
	}

	// The board now runs its application: this flash cannot sync, and
	// leaves the record as it was.
	_, _, err = runCmd(t, testCtx(t), listing(usb), "", pty, path)
	if err == nil {
		t.Fatal("a board running its app synced")
	}
	if bs := fleetBoards(t); len(bs) != 1 || bs[0].Flashes != 2 {
		t.Errorf("a failed flash was recorded: %+v", bs)
	}

	// Back in the loader, a file too large for the partition: refused,
	// nothing recorded.
	s.PressReset(true)
	big, _ := writeAVM(t, 0x100000+1, 10)
	if _, _, err = runCmd(t, testCtx(t), listing(usb), "", pty, big, "--before", "no-reset"); err == nil {
		t.Fatal("a file larger than the partition was flashed")
	}
	if bs := fleetBoards(t); len(bs) != 1 || bs[0].Flashes != 2 {
		t.Errorf("a refused flash was recorded: %+v", bs)
	}
}

// A fleet state that cannot be written does not fail a verified flash:
// it is a warning.
func TestUnwritableFleetIsAWarning(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	state := filepath.Join(t.TempDir(), "file")
	os.WriteFile(state, nil, 0o644)
	t.Setenv("XDG_STATE_HOME", state) // a file: no directory can be made under it
	_, pty := simOnPTY(t, espsim.Config{Chip: "ESP32-S3"})
	path, _ := writeAVM(t, 5000, 11)
	out, errOut, err := runCmd(t, testCtx(t), nil, "", pty, path, "--before", "no-reset")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "verified") || !strings.Contains(errOut, "warning: the flash is done and verified, but recording it in the fleet state failed") {
		t.Errorf("stdout %q\nstderr %q", out, errOut)
	}
}

// A Pico: the .avm by its own MD5 at AtomVM's address, the board known
// by its USB serial number, in BOOTSEL as when running.
func TestPicoFlashIsRecorded(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, app := writeAVM(t, 3000, 12)
	dir := makeDrive(t, t.TempDir(), "RPI-RP2")
	rom := fakeROM(t, dir)
	boot := devices.Device{VID: "2e8a", PID: "0003", SerialNumber: "E6614103E7452D2F", Drive: dir}
	if _, errOut, err := runCmd(t, testCtx(t), listing(boot), "", dir, path); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	<-rom
	bs := fleetBoards(t)
	sum := md5.Sum(app)
	if len(bs) != 1 || bs[0].Key != "usb:2e8a:000a:E6614103E7452D2F" || bs[0].Chip != "RP2040" || bs[0].LastFlash == nil ||
		bs[0].LastFlash.MD5 != hex.EncodeToString(sum[:]) || bs[0].LastFlash.Offset != 0x10180000 {
		t.Errorf("boards %+v", bs)
	}

	// A drive whose USB device is not known: flashed, not recorded, said.
	dir2 := makeDrive(t, t.TempDir(), "RPI-RP2")
	rom = fakeROM(t, dir2)
	_, errOut, err := runCmd(t, testCtx(t), listing(), "", dir2, path)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	<-rom
	if !strings.Contains(errOut, "not recorded in the fleet state") {
		t.Errorf("stderr %q", errOut)
	}
	if bs := fleetBoards(t); len(bs) != 1 {
		t.Errorf("boards %+v", bs)
	}
}
