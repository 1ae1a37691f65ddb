package rp2

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/avmsh/avmsh/node/serialdist"
)

// Drive is a mounted BOOTSEL drive.
type Drive struct {
	// Path is the mount point.
	Path string `json:"path"`
	// BoardID is INFO_UF2.TXT's Board-ID: "RPI-RP2" (RP2040) or
	// "RP2350".
	BoardID string `json:"board_id"`
	// Model is INFO_UF2.TXT's Model line.
	Model string `json:"model,omitempty"`
}

// Chip is "RP2040" or "RP2350".
func (d Drive) Chip() string {
	if strings.HasPrefix(strings.ToUpper(d.BoardID), "RP2350") {
		return "RP2350"
	}
	return "RP2040"
}

// Finder finds BOOTSEL drives. The zero value looks where the system
// mounts removable drives; tests set Roots.
type Finder struct {
	// Roots are directories whose subdirectories may be drives; Mounts
	// lists mount points directly. Zero: the system's (see package doc).
	Roots  []string
	Mounts func() []string
}

// ReadDrive recognises a BOOTSEL drive mounted at dir by its
// INFO_UF2.TXT.
func ReadDrive(dir string) (Drive, bool) {
	f, err := os.Open(filepath.Join(dir, "INFO_UF2.TXT"))
	if err != nil {
		return Drive{}, false
	}
	defer f.Close()
	d := Drive{Path: dir}
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < 20; n++ {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Board-ID":
			d.BoardID = strings.TrimSpace(v)
		case "Model":
			d.Model = strings.TrimSpace(v)
		}
	}
	id := strings.ToUpper(d.BoardID)
	if !strings.HasPrefix(id, "RPI-RP2") && !strings.HasPrefix(id, "RP2350") {
		return Drive{}, false
	}
	return d, true
}

// Find lists the BOOTSEL drives mounted now.
func (f Finder) Find() []Drive {
	var cands []string
	roots, mounts := f.Roots, f.Mounts
	if roots == nil && mounts == nil {
		roots, mounts = systemRoots(), procMounts
	}
	if mounts != nil {
		cands = append(cands, mounts()...)
	}
	for _, r := range roots {
		es, err := os.ReadDir(r)
		if err != nil {
			continue
		}
		for _, e := range es {
			cands = append(cands, filepath.Join(r, e.Name()))
		}
	}
	seen := map[string]bool{}
	var out []Drive
	for _, c := range cands {
		if seen[c] {
			continue
		}
		seen[c] = true
		if d, ok := ReadDrive(c); ok {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func systemRoots() []string {
	if runtime.GOOS == "darwin" {
		return []string{"/Volumes"}
	}
	user := os.Getenv("USER")
	if user == "" {
		user = os.Getenv("LOGNAME")
	}
	if user == "" {
		return []string{"/media"}
	}
	return []string{filepath.Join("/media", user), filepath.Join("/run/media", user), "/media"}
}

// procMounts lists the mount points of vfat file systems (the BOOTSEL
// drive is FAT) from /proc/mounts.
func procMounts() []string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		fs := strings.Fields(l)
		if len(fs) >= 3 && (fs[2] == "vfat" || fs[2] == "msdos" || fs[2] == "fuseblk") {
			out = append(out, strings.ReplaceAll(fs[1], `\040`, " "))
		}
	}
	return out
}

// ErrNoDrive: no BOOTSEL drive appeared.
var ErrNoDrive = errors.New("no BOOTSEL drive (RPI-RP2 or RP2350) is mounted")

// Wait polls for a drive until ctx ends or timeout passes. With several
// drives it fails naming them.
func (f Finder) Wait(ctx context.Context, timeout time.Duration) (Drive, error) {
	deadline := time.Now().Add(timeout)
	for {
		ds := f.Find()
		switch {
		case len(ds) == 1:
			return ds[0], nil
		case len(ds) > 1:
			var ps []string
			for _, d := range ds {
				ps = append(ps, d.Path+" ("+d.BoardID+")")
			}
			return Drive{}, fmt.Errorf("%d BOOTSEL drives are mounted (%s): name the one to use", len(ds), strings.Join(ps, ", "))
		}
		if time.Now().After(deadline) {
			return Drive{}, fmt.Errorf("%w after %v: hold BOOTSEL while plugging the board in, and check that the drive is mounted (udisks, or your file manager)", ErrNoDrive, timeout)
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return Drive{}, ctx.Err()
		case <-t.C:
		}
	}
}

// Touch1200 opens the board's USB serial port at 1200 baud and closes
// it: Pico SDK stdio-USB (and so AtomVM) reboots into BOOTSEL on that.
func Touch1200(device string) error {
	p, err := serialdist.OpenRaw(serialdist.Address{Device: device, Options: serialdist.Options{Baud: 1200}})
	if err != nil {
		return fmt.Errorf("1200-baud reset of %s: %w", device, err)
	}
	return p.Close()
}

// Copy writes data as name onto the drive and waits (up to wait) for
// the drive to go away, which is the boot ROM taking the file and
// rebooting. A drive still there afterwards means the ROM ignored the
// file (another chip's family, or not a UF2).
func Copy(ctx context.Context, d Drive, name string, data []byte, wait time.Duration) error {
	path := filepath.Join(d.Path, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("copy to %s: %w", d.Path, err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	gone := func() bool {
		_, err := os.Stat(filepath.Join(d.Path, "INFO_UF2.TXT"))
		return err != nil
	}
	if werr != nil || serr != nil || cerr != nil {
		// The drive may vanish as the last block lands; that is success
		// only if it is really gone.
		if !gone() {
			return fmt.Errorf("copy to %s: %w", d.Path, errors.Join(werr, serr, cerr))
		}
		return nil
	}
	deadline := time.Now().Add(wait)
	for !gone() {
		if time.Now().After(deadline) {
			return &NotTakenError{File: name, Drive: d.Path, Wait: wait, Chip: strings.ToLower(d.Chip())}
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// NotTakenError: the board kept its BOOTSEL drive after a UF2 file was
// copied to it, which is what the boot ROM does with blocks for another
// family (a UF2 for the RP2040 on an RP2350, say).
type NotTakenError struct {
	File  string
	Drive string
	Wait  time.Duration
	// Chip is the drive's chip ("rp2040", "rp2350"; "" when unknown):
	// the family to write the UF2 for.
	Chip string
}

func (e *NotTakenError) Error() string {
	return fmt.Sprintf("the board did not take %s: its drive %s is still there after %v (is the file for this chip, %s?)", e.File, e.Drive, e.Wait, e.Chip)
}
