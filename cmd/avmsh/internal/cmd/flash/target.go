package flashcmd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/devices/uf2"
	"github.com/avmsh/avmsh/node/serialdist"
)

// target is the board to flash.
type target struct {
	device string         // serial device ("" for a drive or a BOOTSEL board)
	dev    devices.Device // the device as listed (only Path when not listed)
	addr   serialdist.Address
	drive  *rp2.Drive
	pico   bool
	desc   string // for the picker and messages
}

func parseChip(s string) (uf2.Chip, error) { return uf2.ParseChip(s) }

// wantsPico: the file or flags say the board is a Pico.
func wantsPico(o *Options) bool {
	return o.Chip != "" || strings.EqualFold(filepath.Ext(o.File), ".uf2") || strings.EqualFold(filepath.Ext(o.Firmware), ".uf2")
}

func isRP2(d devices.Device) bool { return d.VID == "2e8a" }

// chooseTarget resolves the PORT/DRIVE argument, or picks the one board
// plugged in.
func chooseTarget(ctx context.Context, o *Options) (*target, error) {
	if o.Port != "" {
		return namedTarget(ctx, o)
	}
	devs, _ := o.List(ctx, devices.ListOptions{SkipAccess: true})
	var cands []*target
	pico := wantsPico(o)
	for _, d := range devs {
		if d.Board == nil || d.Board.NoSerial && d.Path == "" && !isRP2(d) {
			continue
		}
		if d.Path == "" { // an RP2 in BOOTSEL: its drive comes below
			continue
		}
		if pico && !isRP2(d) {
			continue
		}
		cands = append(cands, deviceTarget(o, d))
	}
	for _, dr := range o.Drives.Find() {
		dr := dr
		cands = append(cands, &target{drive: &dr, pico: true, desc: fmt.Sprintf("%s  BOOTSEL drive of an %s", dr.Path, dr.Chip())})
	}
	switch len(cands) {
	case 0:
		return nil, cmdutil.Unreachable(fmt.Errorf("no board found: plug one in (a data USB cable), or name its PORT; 'avmsh devices' lists the serial ports"))
	case 1:
		return cands[0], nil
	}
	if o.IO.InIsTerminal && o.IO.IsTerminal {
		return pick(o, cands)
	}
	var b strings.Builder
	for _, c := range cands {
		b.WriteString("\n  " + c.desc)
	}
	return nil, cmdutil.UsageError("%d boards are plugged in; name one as PORT (or DRIVE):%s", len(cands), b.String())
}

func deviceTarget(o *Options, d devices.Device) *target {
	name := "unknown USB device"
	if d.Board != nil {
		name = d.Board.Name
	} else if d.Product != "" {
		name = d.Product
	}
	t := &target{device: d.Path, dev: d, addr: serialdist.Address{Device: d.Path}, pico: isRP2(d), desc: fmt.Sprintf("%s  %s  %s", d.Path, orDash(d.ID()), name)}
	return t
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// namedTarget resolves an explicit PORT or DRIVE.
func namedTarget(ctx context.Context, o *Options) (*target, error) {
	if st, err := os.Stat(o.Port); err == nil && st.IsDir() {
		d, ok := rp2.ReadDrive(o.Port)
		if !ok {
			return nil, cmdutil.UsageError("%s is a directory but not a Pico's BOOTSEL drive (no INFO_UF2.TXT naming RPI-RP2 or RP2350)", o.Port)
		}
		return &target{drive: &d, pico: true, desc: d.Path}, nil
	}
	a, err := serialdist.ParseAddress(o.Port)
	if err != nil {
		return nil, cmdutil.UsageError("%v", err)
	}
	t := &target{device: a.Device, addr: a, desc: a.Device, pico: wantsPico(o)}
	devs, _ := o.List(ctx, devices.ListOptions{SkipAccess: true, Paths: []string{a.Device}})
	d, ok := devices.Lookup(devs, a.Device)
	if ok {
		t.pico = t.pico || isRP2(d)
	}
	t.dev = d // its reset circuit: Options.settings().ResetStyle
	return t, nil
}

// pick asks which board to use (a numbered list on the terminal).
func pick(o *Options, cands []*target) (*target, error) {
	fmt.Fprintln(o.IO.ErrOut, "Several boards are plugged in:")
	for i, c := range cands {
		fmt.Fprintf(o.IO.ErrOut, "  %d) %s\n", i+1, c.desc)
	}
	r := bufio.NewReader(o.IO.In)
	for tries := 0; tries < 3; tries++ {
		fmt.Fprintf(o.IO.ErrOut, "Flash which one? [1-%d]: ", len(cands))
		line, err := r.ReadString('\n')
		if n, perr := strconv.Atoi(strings.TrimSpace(line)); perr == nil && n >= 1 && n <= len(cands) {
			return cands[n-1], nil
		}
		if err != nil {
			break
		}
	}
	return nil, cmdutil.UsageError("no board chosen")
}
