//go:build !windows

package espsim_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node/serialdist"
)

func avm(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 3))
	for i := range b {
		b[i] = byte(r.Uint32() % 7) // compressible, like code
	}
	copy(b, espflash.AVMHeader)
	return b
}

// Espressif's own client, esptool-js under Node, connects to the
// simulator, detects the chip, uploads its stub, changes the speed,
// reads the flash id, writes an image compressed and verifies its MD5.
// Then avmsh flashes onto the same simulator: its per-sector MD5s agree
// with what esptool-js wrote (only the changed sector is written), and
// the bytes at the partition equal the file.
func TestEsptoolJSThenAvmsh(t *testing.T) {
	dir := espsim.EsptoolJSDir(t)
	for _, chip := range []string{"ESP32", "ESP32-S3"} {
		t.Run(chip, func(t *testing.T) {
			s, err := espsim.New(espsim.Config{Chip: chip, InLoader: true})
			if err != nil {
				t.Fatal(err)
			}
			pty := espsim.ServePTY(t, s)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			img := avm(200_000, 1)
			path := filepath.Join(t.TempDir(), "app.avm")
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			res, _, err := espsim.RunEsptoolJS(ctx, dir, pty, path, 0x250000, 921600)
			if err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(img)
			if res.ChipName != chip || res.MD5 != hex.EncodeToString(sum[:]) {
				t.Errorf("esptool-js: %+v", res)
			}
			if string(s.Flash(0x250000, len(img))) != string(img) {
				t.Fatal("esptool-js's write did not reach the simulated flash")
			}
			ev := s.Events()
			if !slices.Contains(ev, "stub running") || !slices.Contains(ev, "baud 921600") {
				t.Errorf("events %v", ev)
			}
			t.Logf("esptool-js: %s, %.2f s", res.Chip, res.Seconds)

			// avmsh on the same simulator (the stub esptool-js left running).
			img2 := append([]byte(nil), img...)
			img2[100_000] ^= 1
			link, err := serialdist.OpenRaw(serialdist.Address{Device: pty})
			if err != nil {
				t.Fatal(err)
			}
			r, err := espflash.Run(ctx, link, espflash.Options{
				ConnectOptions: espflash.ConnectOptions{Port: pty, Before: espflash.NoReset},
				FlashBaud:      921600, After: espflash.StayInLoader,
			}, espflash.Job{App: img2})
			if err != nil {
				t.Fatal(err)
			}
			if r.App.Written != 4096 || r.Info.Chip != chip {
				t.Errorf("avmsh after esptool-js: %+v %+v", r.App, r.Info)
			}
			if string(s.Flash(0x250000, len(img2))) != string(img2) {
				t.Fatal("avmsh's write differs from the file")
			}
		})
	}
}
