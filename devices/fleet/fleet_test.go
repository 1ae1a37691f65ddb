package fleet_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/fleet"
)

var t0 = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

func store(t *testing.T) *fleet.Store {
	s := fleet.Open(t.TempDir())
	s.Now = func() time.Time { return t0 }
	return s
}

var esp = fleet.BoardID{VID: "303A", PID: "1001", USBSerial: "F4:12:FA:00:11:22", Port: "/dev/ttyACM0"}

func TestRoundTrip(t *testing.T) {
	s := store(t)
	if bs, err := s.Boards(); err != nil || len(bs) != 0 {
		t.Fatalf("empty store: %v %v", bs, err)
	}
	parts := []fleet.Partition{{Name: "factory", Type: "app", SubType: "factory", Offset: 0x10000, Size: 0x1C0000},
		{Name: "main.avm", Type: "data", SubType: "phy", Offset: 0x210000, Size: 0x100000}}
	rec := fleet.FlashRecord{File: "sensor.avm", Size: 12345, MD5: "0123456789abcdef0123456789abcdef", At: t0,
		Offset: 0x210000, Partition: "main.avm", Chip: "ESP32-C3", Partitions: parts}
	if err := s.Record(esp, rec); err != nil {
		t.Fatal(err)
	}
	// Plugged in elsewhere: same board (same serial number), new port.
	moved := esp
	moved.Port = "/dev/ttyACM1"
	if err := s.Seen(moved, fleet.Observation{AtomVM: "0.8.0", Node: "sensor@serial.local", Up: true}); err != nil {
		t.Fatal(err)
	}
	rec2 := rec
	rec2.MD5 = "ffffffffffffffffffffffffffffffff"
	rec2.Partitions = nil
	if err := s.Record(esp, rec2); err != nil {
		t.Fatal(err)
	}
	noSerial := fleet.BoardID{VID: "1A86", PID: "7523", Port: "/dev/ttyUSB0"}
	if err := s.Seen(noSerial, fleet.Observation{Chip: "ESP32", Up: false}); err != nil {
		t.Fatal(err)
	}
	again := fleet.Open(filepath.Dir(s.Path())) // another process's view
	bs, err := again.Boards()
	if err != nil || len(bs) != 2 {
		t.Fatalf("boards: %+v %v", bs, err)
	}
	b := bs[1]
	if bs[0].Key != "port:/dev/ttyUSB0" || b.Key != "usb:303a:1001:F4:12:FA:00:11:22" {
		t.Fatalf("keys: %s %s", bs[0].Key, b.Key)
	}
	if b.Chip != "ESP32-C3" || b.AtomVM != "0.8.0" || b.Node != "sensor@serial.local" || !b.Up || b.Flashes != 2 ||
		b.LastFlash == nil || b.LastFlash.MD5 != rec2.MD5 || b.LastFlash.File != "sensor.avm" || len(b.Partitions) != 2 ||
		b.ID.Port != "/dev/ttyACM0" || !b.UpdatedAt.Equal(t0) {
		t.Fatalf("board: %+v (last flash %+v)", b, b.LastFlash)
	}
	var raw map[string]any
	data, _ := os.ReadFile(s.Path())
	if err := json.Unmarshal(data, &raw); err != nil || raw["version"] != float64(fleet.Version) {
		t.Fatalf("file: %s %v", data, err)
	}
	if matches, _ := filepath.Glob(s.Path() + ".tmp*"); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}
}

func TestIDOf(t *testing.T) {
	d := devices.Device{Path: "/dev/ttyACM0", USB: true, VID: "303a", PID: "1001", SerialNumber: "F4:12:FA:00:11:22"}
	if k := fleet.IDOf(d).Key(); k != esp.Key() {
		t.Fatalf("%s, want %s", k, esp.Key())
	}
	if k := fleet.IDOf(devices.Device{Path: "/dev/ttyS0"}).Key(); k != "port:/dev/ttyS0" {
		t.Fatal(k)
	}
}

func TestVersionsMarked(t *testing.T) {
	mk := func(vs ...string) []fleet.Board {
		var bs []fleet.Board
		for _, v := range vs {
			bs = append(bs, fleet.Board{AtomVM: v})
		}
		fleet.MarkVersions(bs)
		return bs
	}
	cases := []struct {
		versions []string
		want     []bool
	}{
		{[]string{"0.8.0", "0.8.0", "0.7.1", "0.8.0", ""}, []bool{false, false, true, false, false}},
		{[]string{"0.8.0", "0.7.1"}, []bool{true, true}},
		{[]string{"0.8.0", "0.8.0", ""}, []bool{false, false, false}},
		{[]string{"0.8.0"}, []bool{false}},
	}
	for _, c := range cases {
		bs := mk(c.versions...)
		for i, b := range bs {
			if b.VersionDiffers != c.want[i] {
				t.Errorf("%v: board %d marked %v", c.versions, i, b.VersionDiffers)
			}
		}
	}
	s := store(t)
	for i, v := range []string{"0.8.0", "0.8.0", "0.6.6"} {
		if err := s.Seen(fleet.BoardID{Port: fmt.Sprintf("/dev/ttyUSB%d", i)}, fleet.Observation{AtomVM: v, Up: true}); err != nil {
			t.Fatal(err)
		}
	}
	bs, err := s.Boards()
	if err != nil || !bs[2].VersionDiffers || bs[0].VersionDiffers {
		t.Fatalf("%+v %v", bs, err)
	}
}

// TestCorruptFile: a corrupt file is reported, never overwritten
// silently: reading changes nothing; an update keeps a .bad copy.
func TestCorruptFile(t *testing.T) {
	s := store(t)
	if err := os.MkdirAll(filepath.Dir(s.Path()), 0o755); err != nil {
		t.Fatal(err)
	}
	garbage := []byte(`{"version": 1, "boards": [{"key": "usb:1:2:3", "chip": "ESP32"`)
	if err := os.WriteFile(s.Path(), garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Boards()
	var fe *fleet.FileError
	if !errors.As(err, &fe) || fe.BadCopy != "" || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), s.Path()) {
		t.Fatalf("read: %v", err)
	}
	if data, _ := os.ReadFile(s.Path()); string(data) != string(garbage) {
		t.Fatal("reading changed the file")
	}
	err = s.Record(esp, fleet.FlashRecord{File: "a.avm", Size: 1, MD5: "00"})
	if !errors.As(err, &fe) || fe.BadCopy != s.Path()+".bad" || !strings.Contains(err.Error(), "kept as") {
		t.Fatalf("update: %v", err)
	}
	if data, _ := os.ReadFile(fe.BadCopy); string(data) != string(garbage) {
		t.Fatalf("bad copy: %q", data)
	}
	bs, err := s.Boards()
	if err != nil || len(bs) != 1 || bs[0].LastFlash.File != "a.avm" {
		t.Fatalf("after recovery: %+v %v", bs, err)
	}
	// Corrupt again: the first .bad copy is not overwritten.
	if err := os.WriteFile(s.Path(), []byte("\x00\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Seen(esp, fleet.Observation{Up: true}); !errors.As(err, &fe) || fe.BadCopy != s.Path()+".bad.1" {
		t.Fatalf("second corruption: %v", err)
	}
	if data, _ := os.ReadFile(s.Path() + ".bad"); string(data) != string(garbage) {
		t.Fatal("first .bad copy overwritten")
	}
}

// TestFutureVersion: a file from a newer avmsh is reported; an update
// keeps a copy and carries over the boards this version can read.
func TestFutureVersion(t *testing.T) {
	s := store(t)
	if err := os.MkdirAll(filepath.Dir(s.Path()), 0o755); err != nil {
		t.Fatal(err)
	}
	future := []byte(`{"version": 7, "groups": ["lab"], "boards": [{"key": "port:/dev/ttyUSB9", "chip": "ESP32-S3", "up": true, "rack": 4}]}`)
	if err := os.WriteFile(s.Path(), future, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Boards()
	if !errors.Is(err, fleet.ErrFutureVersion) || !strings.Contains(err.Error(), "version 7") {
		t.Fatalf("read: %v", err)
	}
	err = s.Seen(esp, fleet.Observation{Up: true})
	var fe *fleet.FileError
	if !errors.As(err, &fe) || fe.BadCopy == "" {
		t.Fatalf("update: %v", err)
	}
	if data, _ := os.ReadFile(fe.BadCopy); string(data) != string(future) {
		t.Fatal("the newer file was not kept")
	}
	bs, err := s.Boards()
	if err != nil || len(bs) != 2 || bs[0].Chip != "ESP32-S3" {
		t.Fatalf("boards carried over: %+v %v", bs, err)
	}
}

func TestDefaultDir(t *testing.T) {
	home := func() (string, error) { return "/home/ada", nil }
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if d, err := fleet.DefaultDir(getenv, home); err != nil || d != "/home/ada/.local/state/avmsh" {
		t.Fatalf("%s %v", d, err)
	}
	env["XDG_STATE_HOME"] = "/var/state"
	if d, _ := fleet.DefaultDir(getenv, home); d != "/var/state/avmsh" {
		t.Fatal(d)
	}
	env["XDG_STATE_HOME"] = "relative" // ignored, as the XDG spec says
	if d, _ := fleet.DefaultDir(getenv, home); d != "/home/ada/.local/state/avmsh" {
		t.Fatal(d)
	}
}

// TestConcurrentWriters: two processes (this test binary run twice)
// and goroutines in each update the same store at once; no update is
// lost (the lock serialises read-modify-write).
func TestConcurrentWriters(t *testing.T) {
	if dir := os.Getenv("FLEET_WRITER_DIR"); dir != "" {
		writer(t, dir, os.Getenv("FLEET_WRITER_ID"))
		return
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([][]byte, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentWriters$", "-test.count=1")
			cmd.Env = append(os.Environ(), "FLEET_WRITER_DIR="+dir, "FLEET_WRITER_ID="+strconv.Itoa(i))
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	bs, err := fleet.Open(dir).Boards()
	if err != nil {
		t.Fatal(err)
	}
	const perWriter = 2 * 15 // goroutines × records, see writer
	if len(bs) != 2*perWriter+1 {
		t.Fatalf("%d boards, want %d", len(bs), 2*perWriter+1)
	}
	for _, b := range bs {
		if b.Key == "port:shared" && b.Flashes != 2*perWriter {
			t.Fatalf("shared board flashed %d times, want %d (lost updates)", b.Flashes, 2*perWriter)
		}
	}
}

// writer is one process of TestConcurrentWriters: two goroutines, each
// recording 15 boards of its own and a flash of a shared board.
func writer(t *testing.T, dir, id string) {
	s := fleet.Open(dir)
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				own := fleet.BoardID{Port: fmt.Sprintf("w%s-g%d-%d", id, g, i)}
				if err := s.Seen(own, fleet.Observation{Up: true}); err != nil {
					t.Error(err)
				}
				if err := s.Record(fleet.BoardID{Port: "shared"}, fleet.FlashRecord{File: own.Port + ".avm"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
