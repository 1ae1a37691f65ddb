//go:build !windows

package devices

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

func TestListDoesNotFail(t *testing.T) {
	ctx := context.Background()
	devs, err := List(ctx, ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if !sort.SliceIsSorted(devs, func(i, j int) bool { return devs[i].Key() < devs[j].Key() }) {
		t.Fatal("not sorted")
	}
	for _, d := range devs {
		if d.Path == "" && (d.Board == nil || !d.Board.NoSerial) {
			t.Fatalf("device without a path: %+v", d)
		}
		if d.Access == "" {
			t.Fatalf("no access state: %+v", d)
		}
		if d.USB && d.Board != nil && (d.Board.VID != d.VID || d.Board.PID != d.PID) {
			t.Fatalf("board mismatch: %+v", d)
		}
	}
	t.Logf("%d serial ports on this machine", len(devs))
}

func socatPair(t *testing.T) (string, string) { return serialtest.SocatPair(t) }

func openRaw(t *testing.T, path string) *os.File {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	t.Run("idle AtomVM link manager", func(t *testing.T) {
		pa, pb := socatPair(t)
		peer := openRaw(t, pb)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			tk := time.NewTicker(300 * time.Millisecond)
			defer tk.Stop()
			peer.Write([]byte("AtomVM boot\r\n"))
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					peer.Write([]byte{0xAA, 0x55})
				}
			}
		}()
		var deepPort *serialdist.Port
		r := Probe(ctx, pa, ProbeOptions{Listen: 1200 * time.Millisecond, Deep: func(ctx context.Context, p *serialdist.Port) (*NodeInfo, error) {
			deepPort = p
			return &NodeInfo{Name: "avm@serial.local", Machine: "ATOM"}, nil
		}})
		close(stop)
		<-done
		if !r.Answered || r.Markers < 2 || r.Console != "AtomVM boot\n" || r.Error != "" {
			t.Fatalf("%+v", r)
		}
		if deepPort == nil || deepPort.Name() != pa || r.Node == nil || r.Summary() != "avm@serial.local (AtomVM)" {
			t.Fatalf("deep probe not run on the port: %+v", r)
		}
		// The probe sent nothing to the board.
		peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _ := peer.Read(make([]byte, 16)); n != 0 {
			t.Fatalf("probe wrote %d bytes", n)
		}
	})
	t.Run("console only", func(t *testing.T) {
		pa, pb := socatPair(t)
		peer := openRaw(t, pb)
		go peer.Write([]byte("ets Jun  8 2016\r\n\x1b[0;32mI (31) boot\x1b[0m\r\n"))
		r := Probe(ctx, pa, ProbeOptions{Listen: 500 * time.Millisecond})
		if r.Answered || r.ConsoleBytes == 0 || r.Summary() != "no node; console output only" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("silent and busy", func(t *testing.T) {
		pa, _ := socatPair(t)
		r := Probe(ctx, pa, ProbeOptions{Listen: 300 * time.Millisecond})
		if r.Answered || r.Summary() != "no answer" {
			t.Fatalf("%+v", r)
		}
		p, err := serialdist.Open(serialdist.Address{Device: pa}, serialdist.PortConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		r = Probe(ctx, pa, ProbeOptions{Listen: 300 * time.Millisecond})
		if r.Access != AccessBusy || r.Error == "" {
			t.Fatalf("busy: %+v", r)
		}
		// checkAccess sees our own process holding it only through the
		// lock; another process shows up by name.
		if a, _, _ := checkAccess("/nonexistent/tty"); a != AccessDenied {
			t.Fatalf("missing device access %s", a)
		}
	})
}

func TestWatchEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := Watch(ctx, 50*time.Millisecond)
	time.Sleep(120 * time.Millisecond)
	cancel()
	for range ch {
	}
}

func TestAttachDrives(t *testing.T) {
	boot, _ := LookupBoard("2e8a", "0003")
	devs := []Device{{Path: "/dev/ttyUSB0"}, {USB: true, VID: "2e8a", PID: "0003", Board: &boot}}
	got := attachDrives(devs, []rp2.Drive{{Path: "/media/u/RPI-RP2", BoardID: "RPI-RP2"}, {Path: "/Volumes/RP2350", BoardID: "RP2350"}})
	if len(got) != 3 || got[1].Drive != "/media/u/RPI-RP2" || got[2].Drive != "/Volumes/RP2350" || got[2].PID != "000f" || got[2].Board == nil {
		t.Fatalf("%+v", got)
	}
	if got[2].Key() != "drive:/Volumes/RP2350" {
		t.Errorf("key %q", got[2].Key())
	}
}

func TestLookupFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	real := dir + "/ttyUSB7"
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := dir + "/usb-Silicon_Labs_CP2102-if00-port0"
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	devs := []Device{{Drive: "/media/u/RPI-RP2"}, {Path: dir + "/ttyUSB6", VID: "1a86"}, {Path: real, VID: "10c4", SerialNumber: "0001"}}
	for _, p := range []string{real, link} {
		if d, ok := Lookup(devs, p); !ok || d.VID != "10c4" || d.SerialNumber != "0001" {
			t.Errorf("Lookup(%s) = %+v, %v", p, d, ok)
		}
	}
	if d, ok := Lookup(devs, dir+"/pts9"); ok || d.Path != dir+"/pts9" || d.VID != "" {
		t.Errorf("unknown path: %+v, %v", d, ok)
	}
}
