package flashrec_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/devices/uf2"
)

// espImage is an ESP image with AtomVM's start banner as ESP-IDF's
// ESP_LOGI lays it out in .rodata (LOG_FORMAT: colour, "I (%lu) %s: ",
// the format, reset colour, newline).
func espImage(version string) []byte {
	img := append([]byte{0xE9, 4, 2, 0x20}, bytes.Repeat([]byte{0}, 60)...)
	img = append(img, bytes.Repeat([]byte{0x5A}, 3000)...)
	img = append(img, "\x1b[0;32mI (%lu) %s: Starting AtomVM revision "+version+"\x1b[0m\n\x00"...)
	return append(img, bytes.Repeat([]byte{0xA5}, 1000)...)
}

func TestAtomVMVersion(t *testing.T) {
	if v := flashrec.AtomVMVersion(espImage("0.6.6")); v != "0.6.6" {
		t.Errorf("ESP image: %q", v)
	}
	// A Pico firmware UF2 whose banner straddles two 256-byte blocks.
	fw := bytes.Repeat([]byte{0x11}, 250)
	fw = append(fw, "Starting AtomVM revision 0.7.0-alpha.1+git.1a2b\n\x00"...)
	fw = append(fw, bytes.Repeat([]byte{0x22}, 700)...)
	if v := flashrec.AtomVMVersion(uf2.Encode(fw, 0x10000000, uf2.RP2040)); v != "0.7.0-alpha.1+git.1a2b" {
		t.Errorf("UF2: %q", v)
	}
	if v := flashrec.AtomVMVersion(bytes.Repeat([]byte("x"), 5000)); v != "" {
		t.Errorf("no banner: %q", v)
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestESPRecords(t *testing.T) {
	table := espflash.AtomVMPartitions()
	app := table[len(table)-1]
	res := &espflash.Result{
		Info:       espflash.Info{Chip: "ESP32-S3"},
		Firmware:   &espflash.Region{Name: "firmware", Offset: 0, Size: 4064, MD5: "f0"},
		App:        &espflash.Region{Name: "main.avm", Offset: 0x250000, Size: 1234, MD5: "a0", Partition: &app},
		Partitions: table,
	}
	recs := flashrec.ESPRecords(res, flashrec.ESP{App: "/home/u/app/_build/app.avm", Firmware: "/tmp/AtomVM-esp32s3-v0.6.6.img", FirmwareImage: espImage("v0.6.6")})
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	fw, ap := recs[0], recs[1]
	if fw.File != "AtomVM-esp32s3-v0.6.6.img" || fw.Size != 4064 || fw.MD5 != "f0" || fw.AtomVM != "v0.6.6" || fw.Chip != "ESP32-S3" || fw.Partition != "" {
		t.Errorf("firmware record %+v", fw)
	}
	if ap.File != "app.avm" || ap.Size != 1234 || ap.MD5 != "a0" || ap.Offset != 0x250000 || ap.Partition != "main.avm" || ap.AtomVM != "v0.6.6" {
		t.Errorf("app record %+v", ap)
	}
	want := []fleet.Partition{{Name: "nvs", Type: "data", SubType: "nvs", Offset: 0x9000, Size: 0x6000}, {Name: "phy_init", Type: "data", SubType: "phy", Offset: 0xF000, Size: 0x1000},
		{Name: "factory", Type: "app", SubType: "factory", Offset: 0x10000, Size: 0x1C0000}}
	for i, p := range want {
		if ap.Partitions[i] != p {
			t.Errorf("partition %d: %+v, want %+v", i, ap.Partitions[i], p)
		}
	}
	// An application alone: the version is what the node said, if anything.
	res.Firmware = nil
	recs = flashrec.ESPRecords(res, flashrec.ESP{App: "main.avm", AtomVM: "0.6.5"})
	if len(recs) != 1 || recs[0].AtomVM != "0.6.5" || recs[0].File != "main.avm" {
		t.Errorf("app alone: %+v", recs)
	}
	if flashrec.ESPRecords(nil, flashrec.ESP{}) != nil {
		t.Error("records without a result")
	}
}

func TestPicoRecords(t *testing.T) {
	fw := uf2.Encode(append(bytes.Repeat([]byte{1}, 300), "Starting AtomVM revision v0.6.6\n"...), 0x10000000, uf2.RP2040)
	avmFile := append([]byte("#!/usr/bin/env AtomVM\n\x00\x00"), bytes.Repeat([]byte{7}, 100)...)
	recs := flashrec.PicoRecords("RP2040", []flashrec.Image{{Path: "AtomVM-pico-v0.6.6.uf2", Data: fw}, {Path: "dir/app.avm", Data: avmFile}})
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if r := recs[0]; r.File != "AtomVM-pico-v0.6.6.uf2" || r.Offset != 0x10000000 || r.AtomVM != "v0.6.6" || r.MD5 != md5hex(fw) || r.Chip != "RP2040" {
		t.Errorf("firmware %+v", r)
	}
	if r := recs[1]; r.File != "app.avm" || r.Offset != uf2.AppAddress || r.Size != int64(len(avmFile)) || r.MD5 != md5hex(avmFile) || r.AtomVM != "v0.6.6" {
		t.Errorf("app %+v", r)
	}
}

func TestID(t *testing.T) {
	run := devices.Device{Path: "/dev/ttyACM0", VID: "2e8a", PID: "000a", SerialNumber: "E6614103E7452D2F"}
	boot := devices.Device{VID: "2e8a", PID: "0003", SerialNumber: "E6614103E7452D2F", Drive: "/media/u/RPI-RP2"}
	a, okA := flashrec.ID(run)
	b, okB := flashrec.ID(boot)
	if !okA || !okB || a.Key() != b.Key() {
		t.Errorf("a Pico running (%s) and in BOOTSEL (%s) are two boards", a.Key(), b.Key())
	}
	if _, ok := flashrec.ID(devices.Device{VID: "2e8a", PID: "0003", Drive: "/media/u/RPI-RP2"}); ok {
		t.Error("a drive without a serial number identifies a board")
	}
	if id, ok := flashrec.ID(devices.Device{Path: "/dev/pts/7"}); !ok || id.Key() != "port:/dev/pts/7" {
		t.Errorf("a port without USB: %+v", id)
	}
}

func TestRecord(t *testing.T) {
	s := fleet.Open(t.TempDir())
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return t0 }
	id := fleet.BoardID{VID: "303a", PID: "1001", USBSerial: "F4:12:FA:00:11:22", Port: "/dev/ttyACM0"}
	recs := flashrec.ESPRecords(&espflash.Result{Info: espflash.Info{Chip: "ESP32-C3"},
		Firmware: &espflash.Region{Size: 10, MD5: "f"}, App: &espflash.Region{Size: 20, MD5: "a"}, Partitions: espflash.AtomVMPartitions()},
		flashrec.ESP{App: "app.avm", Firmware: "fw.img", FirmwareImage: espImage("0.6.6")})
	if err := flashrec.Record(s, id, recs); err != nil {
		t.Fatal(err)
	}
	bs, err := s.Boards()
	if err != nil || len(bs) != 1 {
		t.Fatalf("%v %v", bs, err)
	}
	b := bs[0]
	if b.Chip != "ESP32-C3" || b.AtomVM != "0.6.6" || b.Flashes != 2 || b.LastFlash == nil || b.LastFlash.File != "app.avm" || !b.LastFlash.At.Equal(t0) || len(b.Partitions) != 5 {
		t.Errorf("board %+v, last flash %+v", b, b.LastFlash)
	}
}

func TestRecordKeepsGoingAfterASetAsideFile(t *testing.T) {
	dir := t.TempDir()
	s := fleet.Open(dir)
	if err := s.Record(fleet.BoardID{Port: "/dev/ttyUSB0"}, fleet.FlashRecord{File: "a.avm"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path(), []byte("{corrupt"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := flashrec.Record(s, fleet.BoardID{Port: "/dev/ttyUSB0"}, []fleet.FlashRecord{{File: "b.avm"}, {File: "c.avm"}})
	if err == nil || !strings.Contains(err.Error(), ".bad") {
		t.Fatalf("error %v does not say where the old file went", err)
	}
	bs, _ := s.Boards()
	if len(bs) != 1 || bs[0].LastFlash.File != "c.avm" {
		t.Errorf("boards %+v", bs)
	}
}

func FuzzAtomVMVersion(f *testing.F) {
	f.Add(espImage("0.6.6"))
	f.Add(uf2.Encode([]byte("Starting AtomVM revision v0.6.6\n"), 0x10000000, uf2.RP2040))
	f.Add([]byte("Starting AtomVM revision "))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := flashrec.AtomVMVersion(b)
		if len(v) > 64 || strings.ContainsAny(v, " \x00\n\x1b") {
			t.Fatalf("version %q", v)
		}
	})
}
