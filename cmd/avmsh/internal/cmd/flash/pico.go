package flashcmd

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/devices/uf2"
)

// BootselWait is how long a Pico gets to show its BOOTSEL drive after
// the 1200-baud touch and to take the file.
const BootselWait = rp2.DefaultWait

// picoImage makes the UF2 to copy: a .uf2 as it is (checked), an .avm
// wrapped at AtomVM's application address for the chip. It also returns
// the file as it was read.
func picoImage(o *Options, path string) (out, file []byte, err error) {
	b, err := readFile(path, "file")
	if err != nil {
		return nil, nil, err
	}
	if strings.EqualFold(filepath.Ext(path), ".uf2") {
		if _, err := uf2.Decode(b); err != nil {
			return nil, nil, cmdutil.UsageError("%s: %v", path, err)
		}
		return b, b, nil
	}
	if err := espflash.CheckAVM(b); err != nil {
		return nil, nil, cmdutil.UsageError("%s: %v", path, err)
	}
	chip := uf2.Universal
	if o.Chip != "" {
		chip, _ = uf2.ParseChip(o.Chip)
	}
	return uf2.Encode(b, uf2.AppAddress, chip), b, nil
}

// flashPico copies the UF2 to the board's BOOTSEL drive.
func flashPico(ctx context.Context, o *Options, t *target) error {
	var data []byte
	var images []flashrec.Image
	name := ""
	for _, f := range []string{o.Firmware, o.File} { // AtomVM first, then the app: one joined file
		if f == "" {
			continue
		}
		b, file, err := picoImage(o, f)
		if err != nil {
			return err
		}
		data = append(data, b...)
		images = append(images, flashrec.Image{Path: f, Data: file})
		name = strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
	}
	dev := t.dev
	if t.drive != nil {
		// The board's USB device, while it is there (it goes with the
		// drive once the board takes the file).
		devs, _ := o.List(ctx, devices.ListOptions{SkipAccess: true})
		for _, d := range devs {
			if d.Drive == t.drive.Path {
				dev = d
			}
		}
	}
	start := time.Now()
	in := rp2.Install{Drive: t.drive, Port: t.device, Finder: o.Drives, Touch: o.Touch, Wait: BootselWait,
		Log: func(m string) { fmt.Fprintln(o.IO.ErrOut, m) }}
	if t.drive == nil && t.device != "" {
		loan, err := o.Borrow(ctx, t.device, borrower())
		if err != nil {
			return cmdutil.Unreachable(fmt.Errorf("%s: take the port: %w", t.device, err))
		}
		defer loan.Return()
	}
	drive, err := in.Copy(ctx, name+".uf2", data)
	if err != nil {
		if ctx.Err() != nil {
			what := "waiting for the board's BOOTSEL drive; nothing was written"
			if drive.Path != "" {
				what = fmt.Sprintf("while copying %s.uf2 to %s: the board may hold part of it; run the same command again", name, drive.Path)
			}
			return cmdutil.Interrupted(err, "%s", what)
		}
		if drive.Path != "" {
			return cmdutil.Remote(err) // the board did not take it
		}
		return cmdutil.Unreachable(err)
	}
	record(o, func(s *fleet.Store) error { return flashrec.RecordPico(s, dev, drive.Chip(), images) })
	sum := md5.Sum(data)
	res := map[string]any{"drive": drive.Path, "board_id": drive.BoardID, "chip": drive.Chip(), "file": name + ".uf2",
		"bytes": len(data), "md5": hex.EncodeToString(sum[:]), "seconds": time.Since(start).Seconds(), "rebooted": true}
	if o.Output == "json" {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.IO.Out, "%s took %s.uf2 (%d bytes, MD5 %s) and rebooted into it\n", drive.Chip(), name, len(data), res["md5"])
	}
	if o.Monitor && t.device != "" {
		if err := waitPath(ctx, t.device, BootselWait); err != nil {
			return cmdutil.Unreachable(err)
		}
		return o.RunMonitor(ctx, t.addr.String(), nil)
	}
	return nil
}

// waitPath waits for a device node to come back after a reboot.
func waitPath(ctx context.Context, path string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not come back within %v after the reboot", path, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// writeUF2 is --uf2: only write the file.
func writeUF2(o *Options) error {
	b, err := readFile(o.File, "application")
	if err != nil {
		return err
	}
	if err := espflash.CheckAVM(b); err != nil {
		return cmdutil.UsageError("%s: %v", o.File, err)
	}
	chip := uf2.Universal
	if o.Chip != "" {
		chip, _ = uf2.ParseChip(o.Chip)
	}
	out := uf2.Encode(b, uf2.AppAddress, chip)
	if err := os.WriteFile(o.UF2Out, out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.UF2Out, err)
	}
	var fams []string
	for _, f := range chip.Families() {
		fams = append(fams, fmt.Sprintf("0x%08X", f))
	}
	if o.Output == "json" {
		enc := json.NewEncoder(o.IO.Out)
		return enc.Encode(map[string]any{"file": o.UF2Out, "chip": chip, "families": fams, "address": uf2.AppAddress, "blocks": len(out) / uf2.BlockSize, "bytes": len(b)})
	}
	fmt.Fprintf(o.IO.Out, "Wrote %s: %s at 0x%08X for %s (families %s), %d blocks\n", o.UF2Out, o.File, uf2.AppAddress, chip, strings.Join(fams, ", "), len(out)/uf2.BlockSize)
	return nil
}
