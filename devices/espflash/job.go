package espflash

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/avmsh/avmsh/devices"
)

// After says what happens once writing is done (esptool's --after).
type After string

// After values.
const (
	// HardReset restarts the board into its application: RTS pulses EN,
	// or, where the port has no modem lines, the loader is told to
	// reboot.
	HardReset After = "hard-reset"
	// StayInLoader leaves the board in the loader (esptool's no-reset).
	StayInLoader After = "no-reset"
)

// Job is what to write. Either or both of App and Firmware.
type Job struct {
	// App is an AtomVM .avm written into the partition labelled
	// Partition (default AppPartition), found in the board's own
	// partition table.
	App []byte
	// Partition is the label of the application partition.
	Partition string
	// Firmware is a whole AtomVM image (bootloader, partition table,
	// VM, boot.avm) written at the chip's bootloader offset after
	// checking that it is for this chip.
	Firmware []byte
	// EraseNVS and EraseApp let the firmware image overwrite the NVS
	// partitions and the application partition, which are otherwise
	// kept (their ranges of the image are not written).
	EraseNVS, EraseApp bool
	// Rebuild, instead of App, makes the application from the one on
	// the board: the .avm in the application partition is read (only
	// as far as the pack goes: avm.Extent) and given to Rebuild, whose
	// result is written as App would be, sector by sector where it
	// differs. This is `avmsh load --persist`.
	Rebuild func(current []byte) ([]byte, error)
}

// Options configure Run.
type Options struct {
	ConnectOptions
	// FlashBaud is the speed to switch to once the stub runs (0: stay).
	FlashBaud int
	// After: HardReset (zero value) or StayInLoader.
	After After
	// Progress receives progress reports (may be nil). It is called
	// from Run's goroutine.
	Progress func(Progress)
	// BootLog, when set, keeps the link open after the reset into the
	// application, back at the speed it was opened at, for what the
	// board prints as it starts (Result.Boot): until the line has been
	// quiet for bootQuiet after text came, or for bootFirst if none
	// came, and at most BootLog. Whoever holds the port next would lose
	// those lines: the device is closed until it reopens it.
	BootLog time.Duration
}

// BootLogWait is an Options.BootLog for front-ends: long enough for the
// ROM, the bootloader and AtomVM's first lines.
const BootLogWait = 3 * time.Second

// Bounds of Options.BootLog's wait (see there).
const (
	bootQuiet = 500 * time.Millisecond
	bootFirst = 1500 * time.Millisecond
)

// Progress reports how a job goes.
type Progress struct {
	// Region is "firmware" or the application partition's label.
	Region string
	// Phase is "read" (a Rebuild job reading the board's .avm; Total
	// is 0, as its size is learnt while reading), "compare", "write"
	// or "verify".
	Phase string
	// Done and Total are bytes of this region and phase.
	Done, Total int64
}

// Region is the outcome of writing one region.
type Region struct {
	Name   string `json:"name"`
	Offset uint32 `json:"offset"`
	// Size is the file's size; Partition the partition written into
	// (applications only).
	Size      int        `json:"size"`
	Partition *Partition `json:"partition,omitempty"`
	// Written and Skipped are bytes of flash, in whole sectors:
	// skipped sectors already held the right bytes.
	Written int64 `json:"bytes_written"`
	Skipped int64 `json:"bytes_skipped"`
	// Kept lists the partitions of a firmware image left as they were.
	Kept []string `json:"kept,omitempty"`
	// MD5 is the file's MD5, which the board's flash matched.
	MD5 string `json:"md5"`
}

// Result is the outcome of Run.
type Result struct {
	Port     string  `json:"port"`
	Info     Info    `json:"board"`
	Firmware *Region `json:"firmware,omitempty"`
	App      *Region `json:"app,omitempty"`
	Seconds  float64 `json:"seconds"`
	// Started says how the application was started: "hard reset",
	// "reboot command" or "" (left in the loader).
	Started string `json:"started,omitempty"`
	// Partitions is the board's partition table as it is now: the one
	// read to find the application partition, or the one a firmware
	// image brought (nil if neither was read).
	Partitions []Partition `json:"partitions,omitempty"`
	// Previous is the size and MD5 of the .avm a Rebuild job read from
	// the board (nil for other jobs).
	Previous *Previous `json:"previous,omitempty"`
	// Boot is what the board printed after the reset into the
	// application while Run still held the link (Options.BootLog): its
	// boot log, as it came (at most 64 KiB).
	Boot string `json:"boot_log,omitempty"`
}

// Previous describes the .avm that was on the board before a Rebuild.
type Previous struct {
	Size int    `json:"size"`
	MD5  string `json:"md5"`
}

// Run connects to the board on link and runs job: checks, writes only
// the sectors that differ, verifies with the loader's MD5, then resets
// into the application. Nothing is reported done unless verified. Run
// closes link.
func Run(ctx context.Context, link Link, opts Options, job Job) (*Result, error) {
	start := time.Now()
	port := opts.Port
	if job.App == nil && job.Firmware == nil && job.Rebuild == nil {
		link.Close()
		return nil, errors.New("nothing to flash: give an .avm file and/or a firmware image")
	}
	if job.App != nil && job.Rebuild != nil {
		link.Close()
		return nil, errors.New("a job has either an .avm to write or a Rebuild of the board's, not both")
	}
	if job.App != nil {
		if err := CheckAVM(job.App); err != nil {
			link.Close()
			return nil, &Error{Port: port, Step: "check the file", Err: err}
		}
	}
	if job.Firmware != nil {
		if _, err := ImageChip(job.Firmware); err != nil {
			link.Close()
			return nil, &Error{Port: port, Step: "check the firmware image", Err: err}
		}
	}
	if job.Partition == "" {
		job.Partition = AppPartition
	}
	l, err := Connect(ctx, link, opts.ConnectOptions)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	res := &Result{Port: port}
	r := &runner{l: l, opts: opts}
	if err := l.ChangeBaud(ctx, opts.FlashBaud); err != nil {
		return nil, err
	}
	if err := l.Attach(ctx); err != nil {
		return nil, err
	}
	if job.Firmware != nil {
		if res.Firmware, err = r.firmware(ctx, job); err != nil {
			return nil, err
		}
	}
	if job.App != nil || job.Rebuild != nil {
		if res.App, err = r.app(ctx, job); err != nil {
			return nil, err
		}
	}
	res.Info = l.Info()
	res.Partitions, res.Previous = r.table, r.previous
	if opts.After != StayInLoader {
		if opts.BootLog > 0 {
			// The ROM and the application print at the speed the port
			// was opened at, not at the flash speed.
			if l.baud != l.baud0 {
				_ = l.link.SetBaud(l.baud0)
			}
			l.c.startCapture()
		}
		if res.Started, err = r.start(ctx); err != nil {
			return nil, l.wrap("reset into the application", err)
		}
		if opts.BootLog > 0 {
			res.Boot = string(r.bootLog(ctx, opts.BootLog))
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

type runner struct {
	l    *Loader
	opts Options
	// table is the board's partition table once known; previous the
	// .avm a Rebuild read.
	table    []Partition
	previous *Previous
}

func (r *runner) progress(p Progress) {
	if r.opts.Progress != nil {
		r.opts.Progress(p)
	}
}

// app finds the application partition in the board's table and writes
// the .avm into it (for a Rebuild job, the .avm made from the one
// there).
func (r *runner) app(ctx context.Context, job Job) (*Region, error) {
	l := r.l
	p, err := r.appPartition(ctx, job.Partition)
	if err != nil {
		return nil, err
	}
	app := job.App
	if job.Rebuild != nil {
		if app, err = r.rebuild(ctx, p, job.Rebuild); err != nil {
			return nil, err
		}
	}
	if uint32(len(app)) > p.Size {
		return nil, l.wrap("check the file", fmt.Errorf("%w: the file is %d bytes, partition %q holds %d (%s)", ErrTooLarge, len(app), p.Label, p.Size, sizeText(int64(p.Size))))
	}
	reg, err := r.write(ctx, p.Label, p.Offset, app, nil)
	if err != nil {
		return nil, err
	}
	reg.Partition = &p
	return reg, nil
}

// appPartition reads the board's partition table and finds the
// application partition in it.
func (r *runner) appPartition(ctx context.Context, label string) (Partition, error) {
	l := r.l
	raw, err := readTable(ctx, l)
	if err != nil {
		return Partition{}, l.wrap("read the partition table at 0x8000", err)
	}
	ps, err := ParsePartitionTable(raw)
	if err != nil {
		e := l.wrap("read the partition table at 0x8000", err)
		e.Hint, e.Advice = "install AtomVM first (its firmware image AtomVM-<chip>-<version>.img)", AdviceInstallAtomVM
		return Partition{}, e
	}
	r.table = ps
	p, ok := FindPartition(ps, label)
	if !ok {
		labels := make([]string, len(ps))
		for i, q := range ps {
			labels[i] = q.Label
		}
		e := l.wrap("find the application partition", fmt.Errorf("%w: no partition labelled %q (the board has %v)", ErrNoPartition, label, labels))
		e.Hint, e.Advice = "is AtomVM installed? (its firmware image makes the partitions); or name another partition label", AdvicePartition
		return Partition{}, e
	}
	l.log(fmt.Sprintf("Partition %s", p))
	return p, nil
}

// firmware writes a whole image at the chip's bootloader offset,
// keeping NVS and the application partition (as the image's own table
// places them) unless asked otherwise.
func (r *runner) firmware(ctx context.Context, job Job) (*Region, error) {
	l := r.l
	if err := CheckImageChip(job.Firmware, l.chip); err != nil {
		return nil, l.wrap("check the firmware image", err)
	}
	off := l.chip.BootloaderOffset
	if fs := l.info.FlashSize; fs > 0 && int(off)+len(job.Firmware) > fs {
		return nil, l.wrap("check the firmware image", fmt.Errorf("%w: the image ends at 0x%X, the flash is %s", ErrTooLarge, int(off)+len(job.Firmware), sizeText(int64(fs))))
	}
	var keep []Partition
	if t := int(PartitionTableOffset - off); t >= 0 && t < len(job.Firmware) {
		if ps, err := ParsePartitionTable(job.Firmware[t:min(len(job.Firmware), t+PartitionTableSize)]); err == nil {
			r.table = ps
			for _, p := range ps {
				nvs := p.Type == TypeData && p.Subtype == SubtypeNVS
				if nvs && !job.EraseNVS || p.Label == job.Partition && (!job.EraseApp || job.App != nil) {
					keep = append(keep, p)
				}
			}
		}
	}
	reg, err := r.write(ctx, "firmware", off, job.Firmware, keep)
	if err != nil {
		return nil, err
	}
	for _, p := range keep {
		reg.Kept = append(reg.Kept, p.Label)
	}
	return reg, nil
}

// write writes data at addr, sector by sector where the flash differs,
// leaving out the ranges of keep, then verifies the MD5 of what was
// meant to be written.
func (r *runner) write(ctx context.Context, name string, addr uint32, data []byte, keep []Partition) (*Region, error) {
	l := r.l
	if addr%sectorSize != 0 {
		return nil, l.wrap("write "+name, fmt.Errorf("offset 0x%X is not on a 4 KiB sector", addr))
	}
	sum := md5.Sum(data)
	reg := &Region{Name: name, Offset: addr, Size: len(data), MD5: hex.EncodeToString(sum[:])}
	padded := append([]byte(nil), data...)
	for len(padded)%sectorSize != 0 {
		padded = append(padded, 0xFF) // what the erase leaves
	}
	n := len(padded) / sectorSize
	kept := func(i int) bool {
		a := addr + uint32(i*sectorSize)
		for _, p := range keep {
			if a >= p.Offset && a < p.End() {
				return true
			}
		}
		return false
	}
	step := fmt.Sprintf("compare %s at 0x%X", name, addr)
	r.progress(Progress{Region: name, Phase: "compare", Total: int64(len(padded))})
	whole, err := l.MD5(ctx, addr, uint32(len(padded)))
	if err != nil {
		return nil, l.wrap(step, err)
	}
	var diff []bool
	switch {
	case whole == md5.Sum(padded) && len(keep) == 0:
		diff = make([]bool, n) // nothing to write
	case whole == erasedMD5(len(padded)):
		// A fresh (erased) region: every sector with data differs; no
		// need to ask sector by sector.
		diff = make([]bool, n)
		for i := range diff {
			diff[i] = !kept(i) && !allFF(padded[i*sectorSize:(i+1)*sectorSize])
		}
	default:
		sums, err := l.SectorMD5s(ctx, addr, sectorSize, n)
		if err != nil {
			return nil, l.wrap(step, err)
		}
		diff = make([]bool, n)
		for i := range sums {
			diff[i] = !kept(i) && sums[i] != md5.Sum(padded[i*sectorSize:(i+1)*sectorSize])
		}
	}
	r.progress(Progress{Region: name, Phase: "compare", Done: int64(len(padded)), Total: int64(len(padded))})
	var total int64
	for i := range diff {
		if diff[i] {
			total += sectorSize
		}
	}
	var done int64
	for i := 0; i < n; {
		if !diff[i] {
			if !kept(i) {
				reg.Skipped += sectorSize
			}
			i++
			continue
		}
		j := i
		for j < n && diff[j] {
			j++
		}
		a := addr + uint32(i*sectorSize)
		chunk := padded[i*sectorSize : j*sectorSize]
		base, acked := done, done
		err := l.WriteCompressed(ctx, a, chunk, func(d int) {
			acked = base + int64(d)
			r.progress(Progress{Region: name, Phase: "write", Done: acked, Total: total})
		})
		if err != nil {
			return nil, l.wrap(fmt.Sprintf("write %s at 0x%X (%d of %d bytes acknowledged)", name, a, acked, total), err)
		}
		done += int64(len(chunk))
		reg.Written += int64(len(chunk))
		i = j
	}
	r.progress(Progress{Region: name, Phase: "write", Done: total, Total: total})
	if err := r.verify(ctx, name, addr, data, keep); err != nil {
		return nil, err
	}
	l.log(fmt.Sprintf("%s: %d bytes written, %d unchanged, MD5 %s verified", name, reg.Written, reg.Skipped, reg.MD5))
	return reg, nil
}

// verify compares the loader's MD5 of the flash with the data's, over
// the ranges that were meant to be written.
func (r *runner) verify(ctx context.Context, name string, addr uint32, data []byte, keep []Partition) error {
	l := r.l
	r.progress(Progress{Region: name, Phase: "verify", Total: int64(len(data))})
	ranges := [][2]uint32{{0, uint32(len(data))}}
	for _, p := range keep { // cut the kept partitions out
		var next [][2]uint32
		for _, rg := range ranges {
			ks, ke := max(p.Offset, addr)-addr, min(p.End(), addr+rg[1])-addr
			if p.End() <= addr || ks >= rg[1] || ke <= rg[0] {
				next = append(next, rg)
				continue
			}
			if ks > rg[0] {
				next = append(next, [2]uint32{rg[0], ks})
			}
			if ke < rg[1] {
				next = append(next, [2]uint32{ke, rg[1]})
			}
		}
		ranges = next
	}
	for _, rg := range ranges {
		got, err := l.MD5(ctx, addr+rg[0], rg[1]-rg[0])
		if err != nil {
			return l.wrap(fmt.Sprintf("verify %s at 0x%X", name, addr+rg[0]), err)
		}
		if want := md5.Sum(data[rg[0]:rg[1]]); got != want {
			e := l.wrap(fmt.Sprintf("verify %s at 0x%X", name, addr+rg[0]), fmt.Errorf("%w: flash MD5 %x, file MD5 %x", ErrVerify, got, want))
			e.Hint, e.Advice = "flash again (only what differs is rewritten); if it fails again, try a lower flash speed or another cable", AdviceRetry
			return e
		}
	}
	r.progress(Progress{Region: name, Phase: "verify", Done: int64(len(data)), Total: int64(len(data))})
	return nil
}

// start resets the board into its application: a hard reset through
// RTS, or where the port refuses modem lines, the loader's reboot.
func (r *runner) start(ctx context.Context) (string, error) {
	l := r.l
	err := devices.HardReset(ctx, l.link, l.style)
	if err == nil {
		return "hard reset", nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if rerr := l.Reboot(ctx); rerr != nil && !IsTimeout(rerr) {
		return "", fmt.Errorf("hard reset: %v; reboot command: %w", err, rerr)
	}
	return "reboot command", nil
}

// bootLog waits for the board's boot log after the reset (see
// Options.BootLog) and returns it.
func (r *runner) bootLog(ctx context.Context, most time.Duration) []byte {
	start := time.Now()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		text, last := r.l.c.captured()
		now := time.Now()
		switch {
		case now.Sub(start) >= most,
			last.IsZero() && now.Sub(start) >= bootFirst,
			!last.IsZero() && now.Sub(last) >= bootQuiet,
			len(text) >= maxBoot:
			return text
		}
		select {
		case <-ctx.Done():
			text, _ = r.l.c.captured()
			return text
		case <-t.C:
		}
	}
}

// readTable reads the partition table: its first 16 entries, which is
// all that AtomVM's tables use, and the rest of the 0xC00 bytes only if
// no end marker came in them (at 115200 baud the whole table takes a
// quarter of a second).
func readTable(ctx context.Context, l *Loader) ([]byte, error) {
	const first = 16 * partitionEntrySize
	b, err := l.ReadFlash(ctx, PartitionTableOffset, first)
	if err != nil {
		return nil, err
	}
	for off := 0; off+partitionEntrySize <= len(b); off += partitionEntrySize {
		if allFF(b[off : off+partitionEntrySize]) {
			return b, nil
		}
	}
	rest, err := l.ReadFlash(ctx, PartitionTableOffset+first, PartitionTableSize-first)
	if err != nil {
		return nil, err
	}
	return append(b, rest...), nil
}

func allFF(b []byte) bool {
	for _, c := range b {
		if c != 0xFF {
			return false
		}
	}
	return true
}

// erasedMD5 is the MD5 of n bytes of erased flash.
func erasedMD5(n int) [16]byte {
	h := md5.New()
	ff := make([]byte, sectorSize)
	for i := range ff {
		ff[i] = 0xFF
	}
	for ; n > 0; n -= sectorSize {
		h.Write(ff[:min(n, sectorSize)])
	}
	var s [16]byte
	copy(s[:], h.Sum(nil))
	return s
}
