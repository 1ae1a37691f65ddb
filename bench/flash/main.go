//go:build !windows

package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node/serialdist"
)

func main() {
	baud := flag.Int("baud", 921600, "flashing speed (both tools switch to it after their stub starts)")
	size := flag.Int("size", 1<<20, "application size in bytes")
	chip := flag.String("chip", "ESP32", "simulated chip")
	compressible := flag.Bool("compressible", false, "code-like data instead of random bytes")
	flag.Parse()
	if err := run(*baud, *size, *chip, *compressible); err != nil {
		fmt.Fprintln(os.Stderr, "bench/flash:", err)
		os.Exit(1)
	}
}

func run(baud, size int, chip string, compressible bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "bench-flash")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	app := make([]byte, size)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range app {
		if compressible {
			app[i] = byte(r.Uint32() % 9)
		} else {
			app[i] = byte(r.Uint32())
		}
	}
	copy(app, espflash.AVMHeader)
	file := filepath.Join(dir, "app.avm")
	if err := os.WriteFile(file, app, 0o644); err != nil {
		return err
	}
	avmsh := filepath.Join(dir, "avmsh")
	if out, err := exec.Command("go", "build", "-o", avmsh, "./cmd/avmsh").CombinedOutput(); err != nil {
		return fmt.Errorf("build avmsh: %v\n%s", err, out)
	}
	jsDir, err := espsim.EnsureEsptoolJS()
	if err != nil {
		return err
	}
	sum := md5.Sum(app)
	want := hex.EncodeToString(sum[:])
	fmt.Printf("1 board per tool: simulated %s, paced at %d baud after the switch (%.0f bytes/s), %d-byte %s .avm at 0x250000\n",
		chip, baud, float64(baud)/10, size, map[bool]string{true: "compressible", false: "random"}[compressible])

	// esptool-js
	s, pty, stop, err := board(chip)
	if err != nil {
		return err
	}
	res, jsWall, err := espsim.RunEsptoolJS(ctx, jsDir, pty, file, 0x250000, baud)
	stop()
	if err != nil {
		return err
	}
	if res.MD5 != want || !bytes.Equal(s.Flash(0x250000, size), app) {
		return fmt.Errorf("esptool-js: flash differs (md5 %s)", res.MD5)
	}
	fmt.Printf("esptool-js %s  %6.2f s (its own timer %.2f s)\n", espsim.EsptoolJSVersion, jsWall.Seconds(), res.Seconds)

	// avmsh, the whole command
	s, pty, stop, err = board(chip)
	if err != nil {
		return err
	}
	t0 := time.Now()
	out, err := exec.CommandContext(ctx, avmsh, "flash", pty, file, "--before", "no-reset", "--after", "no-reset", "--baud", fmt.Sprint(baud), "-o", "json").Output()
	wall := time.Since(t0)
	stop()
	if err != nil {
		return fmt.Errorf("avmsh flash: %v", err)
	}
	var jr struct {
		MD5     string  `json:"md5"`
		Seconds float64 `json:"seconds"`
	}
	if err := json.Unmarshal(out, &jr); err != nil || jr.MD5 != want || !bytes.Equal(s.Flash(0x250000, size), app) {
		return fmt.Errorf("avmsh: flash differs (%s, %v)", out, err)
	}
	fmt.Printf("avmsh flash      %6.2f s (its own timer %.2f s)\n", wall.Seconds(), jr.Seconds)
	fmt.Printf("ratio avmsh/esptool-js: %.2f (target <= 1.0)\n", wall.Seconds()/jsWall.Seconds())

	// avmsh's write phase against the line rate (in process, to time
	// the phase from its progress reports).
	s, pty, stop, err = board(chip)
	if err != nil {
		return err
	}
	defer stop()
	link, err := serialdist.OpenRaw(serialdist.Address{Device: pty})
	if err != nil {
		return err
	}
	var wStart, wEnd time.Time
	_, err = espflash.Run(ctx, link, espflash.Options{
		ConnectOptions: espflash.ConnectOptions{Port: pty, Before: espflash.NoReset},
		FlashBaud:      baud, After: espflash.StayInLoader,
		Progress: func(p espflash.Progress) {
			switch {
			case p.Phase == "compare" && p.Done == p.Total:
				wStart = time.Now() // the write starts now
			case p.Phase == "write":
				wEnd = time.Now()
			}
		},
	}, espflash.Job{App: app})
	if err != nil {
		return err
	}
	secs := wEnd.Sub(wStart).Seconds()
	padded := (size + 4095) / 4096 * 4096
	fmt.Printf("avmsh write phase: %d bytes in %.2f s = %.0f bytes/s, %.1f%% of the line rate (target >= 90%% for random data)\n",
		padded, secs, float64(padded)/secs, 100*float64(padded)/secs/(float64(baud)/10))
	return nil
}

// board starts a fresh paced simulator in its loader behind a pty.
func board(chip string) (*espsim.Sim, string, func(), error) {
	s, err := espsim.New(espsim.Config{Chip: chip, InLoader: true, Pace: true})
	if err != nil {
		return nil, "", nil, err
	}
	pty, stop, err := espsim.StartPTY(s)
	return s, pty, stop, err
}
