package espflash_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

// testAVM makes an .avm-looking file of n bytes (header, random body).
func testAVM(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, espflash.AVMHeader)
	return b
}

func newSim(t *testing.T, cfg espsim.Config) *espsim.Sim {
	t.Helper()
	s, err := espsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func run(t *testing.T, s *espsim.Sim, link espflash.Link, opts espflash.Options, job espflash.Job) (*espflash.Result, error) {
	t.Helper()
	if opts.Port == "" {
		opts.Port = "sim0"
	}
	if opts.Attempts == 0 {
		opts.Attempts = 2
	}
	return espflash.Run(ctxT(t), link, opts, job)
}

func TestFlashAppThroughResetSequence(t *testing.T) {
	for _, chip := range []string{"ESP32", "ESP32-S3", "ESP32-C3", "ESP32-C6", "ESP32-H2", "ESP32-S2"} {
		t.Run(chip, func(t *testing.T) {
			s := newSim(t, espsim.Config{Chip: chip})
			h := s.Link(ctxT(t))
			app := testAVM(70_000, 1)
			var phases []string
			res, err := run(t, s, h, espflash.Options{FlashBaud: 921600, Progress: func(p espflash.Progress) {
				if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
					phases = append(phases, p.Phase)
				}
			}}, espflash.Job{App: app})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Flash(0x250000, len(app)); !bytes.Equal(got, app) {
				t.Fatal("flash at main.avm differs from the file")
			}
			sum := md5.Sum(app)
			if res.App.MD5 != hex.EncodeToString(sum[:]) || res.App.Offset != 0x250000 || res.App.Partition.Label != "main.avm" {
				t.Errorf("result %+v", res.App)
			}
			if res.App.Written != 18*4096 || res.App.Skipped != 0 {
				t.Errorf("written %d skipped %d", res.App.Written, res.App.Skipped)
			}
			if res.Info.Chip != chip || res.Info.MAC != "24:0a:c4:12:34:56" || res.Info.FlashSize != 4<<20 || !res.Info.Stub {
				t.Errorf("info %+v", res.Info)
			}
			waitFor(t, "the app to boot", func() bool { return s.Boots() == 1 })
			ev := strings.Join(s.Events(), ",")
			for _, want := range []string{"reset into loader", "stub running", "baud 921600", "boot app"} {
				if !strings.Contains(ev, want) {
					t.Errorf("events %s: no %q", ev, want)
				}
			}
			if res.Started != "hard reset" || h.HostBaud() != 921600 {
				t.Errorf("started %q, host baud %d", res.Started, h.HostBaud())
			}
			if strings.Join(phases, ",") != "compare,write,verify" {
				t.Errorf("phases %v", phases)
			}
		})
	}
}

// waitFor polls cond with a generous deadline (no sleeps as
// synchronisation: the simulated chip boots 20 ms after EN rises).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
