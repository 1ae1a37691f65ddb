//go:build !windows

package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node/serialdist"
)

const appAddr = 0x250000

func main() {
	baud := flag.Int("baud", 460800, "flashing speed (every tool switches to it after its stub starts)")
	modules := flag.Int("modules", 24, "modules in the board's .avm")
	size := flag.Int("module-size", 4096, "bytes of each module")
	flag.Parse()
	if err := run(*baud, *modules, *size); err != nil {
		fmt.Fprintln(os.Stderr, "bench/persist:", err)
		os.Exit(1)
	}
}

// packs returns the board's .avm and the one with module n/2 changed.
func packs(n, size int) (old, next []byte, changed avm.Record) {
	r := rand.New(rand.NewPCG(11, 11))
	code := func(k int) []byte {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte(r.Uint32() % 9) // code-like: compresses about as BEAM code does
		}
		return b
	}
	rs := make([]avm.Record, n)
	for i := range rs {
		rs[i] = avm.Record{Name: fmt.Sprintf("mod%02d.beam", i), Flags: avm.FlagBEAM, Data: code(size)}
	}
	rs[0].Flags |= avm.FlagStart
	old = avm.Encode(rs)
	rs[n/2].Data = code(size + 40)
	return old, avm.Encode(rs), rs[n/2]
}

func run(baud, n, size int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "bench-persist")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	old, next, changed := packs(n, size)
	file := filepath.Join(dir, "app.avm")
	if err := os.WriteFile(file, next, 0o644); err != nil {
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
	sum := md5.Sum(next)
	fmt.Printf("simulated ESP32 paced at %d baud after the switch; board .avm %d bytes (%d modules), new .avm %d bytes (%s changed, +40 bytes)\n",
		baud, len(old), n, len(next), changed.Name)

	// esptool-js: the whole new .avm.
	s, pty, stop, err := board(old)
	if err != nil {
		return err
	}
	res, jsWall, err := espsim.RunEsptoolJS(ctx, jsDir, pty, file, appAddr, baud)
	stop()
	if err != nil {
		return err
	}
	if res.MD5 != hex.EncodeToString(sum[:]) || !bytes.Equal(s.Flash(appAddr, len(next)), next) {
		return fmt.Errorf("esptool-js: flash differs")
	}
	fmt.Printf("esptool-js %s, whole .avm    %6.2f s\n", espsim.EsptoolJSVersion, jsWall.Seconds())

	// avmsh flash: the new .avm, changed sectors only.
	s, pty, stop, err = board(old)
	if err != nil {
		return err
	}
	t0 := time.Now()
	out, err := exec.CommandContext(ctx, avmsh, "flash", pty, file, "--before", "no-reset", "--after", "no-reset", "--baud", fmt.Sprint(baud)).CombinedOutput()
	flashWall := time.Since(t0)
	stop()
	if err != nil || !bytes.Equal(s.Flash(appAddr, len(next)), next) {
		return fmt.Errorf("avmsh flash: %v\n%s", err, out)
	}
	fmt.Printf("avmsh flash, changed sectors    %6.2f s\n", flashWall.Seconds())

	// The persist step: read the board's .avm, rebuild, write.
	s, pty, stop, err = board(old)
	if err != nil {
		return err
	}
	defer stop()
	link, err := serialdist.OpenRaw(serialdist.Address{Device: pty})
	if err != nil {
		return err
	}
	var readStart, readEnd time.Time
	t0 = time.Now()
	r, err := espflash.Run(ctx, link, espflash.Options{
		ConnectOptions: espflash.ConnectOptions{Port: pty, Before: espflash.NoReset},
		FlashBaud:      baud, After: espflash.StayInLoader,
		Progress: func(p espflash.Progress) {
			switch {
			case p.Phase == "read" && readStart.IsZero():
				readStart = time.Now()
			case p.Phase == "compare" && readEnd.IsZero():
				readEnd = time.Now()
			}
		},
	}, espflash.Job{Rebuild: func(cur []byte) ([]byte, error) {
		if !bytes.Equal(cur, old) {
			return nil, fmt.Errorf("read %d bytes, not the board's .avm", len(cur))
		}
		return next, nil
	}})
	persistWall := time.Since(t0)
	if err != nil || !bytes.Equal(s.Flash(appAddr, len(next)), next) {
		return fmt.Errorf("persist step: %v", err)
	}
	fmt.Printf("persist step (read, rebuild, changed sectors) %6.2f s: reading the .avm %.2f s; %d bytes written, %d unchanged\n",
		persistWall.Seconds(), readEnd.Sub(readStart).Seconds(), r.App.Written, r.App.Skipped)
	fmt.Printf("ratios to esptool-js: avmsh flash %.2f, persist step %.2f\n", flashWall.Seconds()/jsWall.Seconds(), persistWall.Seconds()/jsWall.Seconds())
	return nil
}

// board starts a fresh paced simulator in its loader, holding avmFile in
// main.avm, behind a pty.
func board(avmFile []byte) (*espsim.Sim, string, func(), error) {
	s, err := espsim.New(espsim.Config{Chip: "ESP32", InLoader: true, Pace: true})
	if err != nil {
		return nil, "", nil, err
	}
	s.WriteFlash(appAddr, avmFile)
	pty, stop, err := espsim.StartPTY(s)
	return s, pty, stop, err
}
