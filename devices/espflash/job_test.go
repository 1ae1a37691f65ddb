package espflash_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

func TestReflashWritesOnlyChangedSectors(t *testing.T) {
	s := newSim(t, espsim.Config{Chip: "ESP32"})
	app := testAVM(100_000, 2)
	if _, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{App: app}); err != nil {
		t.Fatal(err)
	}
	res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{App: app})
	if err != nil {
		t.Fatal(err)
	}
	if res.App.Written != 0 || res.App.Skipped != 25*4096 {
		t.Errorf("unchanged file: written %d, skipped %d", res.App.Written, res.App.Skipped)
	}
	app2 := append([]byte(nil), app...)
	app2[50_000] ^= 0xFF // one module changed in place
	res, err = run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{App: app2})
	if err != nil {
		t.Fatal(err)
	}
	if res.App.Written != 4096 || res.App.Skipped != 24*4096 {
		t.Errorf("one byte changed: written %d, skipped %d", res.App.Written, res.App.Skipped)
	}
	if !bytes.Equal(s.Flash(0x250000, len(app2)), app2) {
		t.Error("flash differs from the file")
	}
}

func TestUSBSerialJTAGReset(t *testing.T) {
	s := newSim(t, espsim.Config{Chip: "ESP32-C6"})
	s.SetCircuit(espsim.USBJTAG)
	res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{ConnectOptions: espflash.ConnectOptions{Reset: devices.ResetUSBJTAG}}, espflash.Job{App: testAVM(5000, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Reset != "usb-jtag" {
		t.Errorf("reset %q", res.Info.Reset)
	}
	waitFor(t, "the app to boot", func() bool { return s.Boots() == 1 })
	// The bootloader sequence goes through (1,1) into reset, so the
	// controller latches download mode; the hard reset does not.
	lines := strings.Join(s.Lines(), " ")
	if !strings.HasPrefix(lines, "RTS=0 DTR=0 DTR=0 DTR=1 RTS=0 DTR=1 RTS=1 DTR=1 DTR=0 RTS=1 DTR=0") {
		t.Errorf("line changes: %s", lines)
	}
	if ev := strings.Join(s.Events(), ","); !strings.Contains(ev, "reset into loader") || !strings.HasSuffix(ev, "boot app") {
		t.Errorf("events %s", ev)
	}
}

func TestPortWithoutModemLines(t *testing.T) {
	// A pty refuses DTR/RTS: not an error when the board is in its
	// loader already; the application is started with the loader's
	// reboot command.
	s := newSim(t, espsim.Config{Chip: "ESP32-S3", InLoader: true})
	var log []string
	res, err := run(t, s, espsim.NoLines{HostLink: s.Link(ctxT(t))}, espflash.Options{ConnectOptions: espflash.ConnectOptions{Log: func(m string) { log = append(log, m) }}}, espflash.Job{App: testAVM(9000, 4)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Reset != "none" || res.Started != "reboot command" {
		t.Errorf("reset %q started %q", res.Info.Reset, res.Started)
	}
	if !strings.Contains(strings.Join(log, "\n"), "DTR/RTS could not be set") {
		t.Errorf("log does not say the lines failed: %q", log)
	}
	waitFor(t, "the app to boot", func() bool { return s.Boots() == 1 })

	// The same with --before no-reset does not try the lines at all.
	s = newSim(t, espsim.Config{Chip: "ESP32", InLoader: true})
	res, err = run(t, s, espsim.NoLines{HostLink: s.Link(ctxT(t))}, espflash.Options{ConnectOptions: espflash.ConnectOptions{Before: espflash.NoReset}, After: espflash.StayInLoader}, espflash.Job{App: testAVM(9000, 4)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Started != "" || !s.InLoader() {
		t.Errorf("--after no-reset: started %q, in loader %v", res.Started, s.InLoader())
	}
}

// firmwareImage makes an AtomVM-like merged image for chip: an ESP
// image header at its start, the partition table at 0x8000, and
// distinct bytes in every partition.
func firmwareImage(chip espflash.Chip, ps []espflash.Partition, end uint32) []byte {
	off := chip.BootloaderOffset
	img := bytes.Repeat([]byte{0xFF}, int(end-off))
	copy(img, []byte{0xE9, 3, 2, 0x20})
	binary.LittleEndian.PutUint16(img[12:], chip.ID)
	copy(img[0x8000-off:], espflash.EncodePartitionTable(ps))
	for _, p := range ps {
		for a := p.Offset; a < p.End() && a < end; a++ {
			img[a-off] = byte(a>>12) ^ 0x5A
		}
	}
	return img
}

func TestFirmwareKeepsNVSAndApp(t *testing.T) {
	for _, chip := range []string{"ESP32", "ESP32-S3"} {
		t.Run(chip, func(t *testing.T) {
			s := newSim(t, espsim.Config{Chip: chip})
			c := s.Chip()
			nvs := bytes.Repeat([]byte("wifi-credentials"), 256)
			s.WriteFlash(0x9000, nvs)
			app := testAVM(8000, 5)
			s.WriteFlash(0x250000, app)
			img := firmwareImage(c, espflash.AtomVMPartitions(), 0x260000)
			res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{Firmware: img})
			if err != nil {
				t.Fatal(err)
			}
			if res.Firmware.Offset != c.BootloaderOffset || strings.Join(res.Firmware.Kept, ",") != "nvs,main.avm" {
				t.Errorf("firmware %+v", res.Firmware)
			}
			if !bytes.Equal(s.Flash(0x9000, len(nvs)), nvs) || !bytes.Equal(s.Flash(0x250000, len(app)), app) {
				t.Error("NVS or the application was overwritten")
			}
			if got, want := s.Flash(0x10000, 0x1C0000), img[0x10000-c.BootloaderOffset:0x1D0000-c.BootloaderOffset]; !bytes.Equal(got, want) {
				t.Error("the VM partition differs from the image")
			}
			if got := s.Flash(int(c.BootloaderOffset), 16); !bytes.Equal(got, img[:16]) {
				t.Errorf("bootloader at 0x%X: % x", c.BootloaderOffset, got)
			}

			// --erase-nvs --erase-app, with an application in the same call.
			app2 := testAVM(3000, 6)
			res, err = run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{Firmware: img, App: app2, EraseNVS: true, EraseApp: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s.Flash(0x9000, 16), img[0x9000-c.BootloaderOffset:][:16]) {
				t.Error("--erase-nvs kept NVS")
			}
			if !bytes.Equal(s.Flash(0x250000, len(app2)), app2) || res.App == nil || res.Firmware == nil {
				t.Error("the application of the same call was not written")
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	small := espflash.AtomVMPartitions()
	small[4].Size = 0x10000
	cases := []struct {
		name string
		cfg  espsim.Config
		job  espflash.Job
		want error
		step string
	}{
		{"too large", espsim.Config{Partitions: small}, espflash.Job{App: testAVM(0x10001, 7)}, espflash.ErrTooLarge, "check the file"},
		{"not an avm", espsim.Config{}, espflash.Job{App: []byte("\x7fELF not a packbeam file at all..")}, espflash.ErrNotAVM, "check the file"},
		{"wrong chip", espsim.Config{Chip: "ESP32"}, espflash.Job{Firmware: firmwareImage(mustChip(t, "ESP32-S3"), espflash.AtomVMPartitions(), 0x20000)}, espflash.ErrWrongChip, "check the firmware image"},
		{"no partition", espsim.Config{Partitions: small[:4]}, espflash.Job{App: testAVM(100, 8)}, espflash.ErrNoPartition, "find the application partition"},
		{"erased flash", espsim.Config{NoTable: true}, espflash.Job{App: testAVM(100, 8)}, espflash.ErrNoTable, "read the partition table"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.cfg)
			res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, tc.job)
			checkErr(t, res, err, tc.want, tc.step)
			if n := s.Count(0x10) + s.Count(0x02); n != 0 {
				t.Errorf("%d writes started", n)
			}
		})
	}
}

func mustChip(t *testing.T, name string) espflash.Chip {
	c, ok := espflash.ChipByName(name)
	if !ok {
		t.Fatal(name)
	}
	return c
}

// checkErr wants a failure naming the port and the step.
func checkErr(t *testing.T, res *espflash.Result, err error, want error, step string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error (result %+v)", res)
	}
	if res != nil {
		t.Errorf("a result came with the error: %+v", res)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("error %v, want %v", err, want)
	}
	var e *espflash.Error
	if !errors.As(err, &e) || e.Port != "sim0" || !strings.Contains(e.Step, step) {
		t.Errorf("error %q does not name the port sim0 and the step %q", err, step)
	}
	if !strings.HasPrefix(err.Error(), "sim0: ") {
		t.Errorf("message %q does not start with the port", err)
	}
	t.Logf("error: %v", err)
}

// Without the stub (--no-stub, or a chip without one): the ROM's 1 KiB
// blocks, 4 status bytes, hex MD5; a firmware image needs no partition
// table read, an application does.
func TestROMOnly(t *testing.T) {
	for _, chip := range []string{"ESP32", "ESP32-S3"} {
		t.Run(chip, func(t *testing.T) {
			s := newSim(t, espsim.Config{Chip: chip})
			img := firmwareImage(s.Chip(), espflash.AtomVMPartitions(), 0x30000)
			res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{ConnectOptions: espflash.ConnectOptions{NoStub: true}}, espflash.Job{Firmware: img})
			if err != nil {
				t.Fatal(err)
			}
			if res.Info.Stub || s.Count(0x05) != 0 {
				t.Error("the stub was uploaded")
			}
			off := int(s.Chip().BootloaderOffset)
			if got := s.Flash(off, len(img)); !bytes.Equal(got[:0x9000-off], img[:0x9000-off]) || !bytes.Equal(got[0xF000-off:], img[0xF000-off:]) {
				t.Error("the image did not reach the flash")
			}
			_, err = run(t, s, s.Link(ctxT(t)), espflash.Options{ConnectOptions: espflash.ConnectOptions{NoStub: true}}, espflash.Job{App: testAVM(100, 1)})
			checkErr(t, nil, err, nil, "read the partition table")
		})
	}
}
