package devices

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/avmsh/avmsh/devices/rp2"
)

// Access tells whether avmsh can open a port.
type Access string

// Access values.
const (
	AccessOK      Access = "ok"
	AccessBusy    Access = "busy"
	AccessDenied  Access = "denied"
	AccessUnknown Access = "unknown"
)

// Device is one serial port (or, for boards in a ROM bootloader that
// expose no port, one USB device with an empty Path).
type Device struct {
	// Path is the device ("/dev/ttyUSB0", "/dev/cu.usbmodem1101", "COM3").
	Path string `json:"path"`
	// USB is set for USB serial ports; the fields below need it.
	USB          bool   `json:"usb"`
	VID          string `json:"vid,omitempty"` // lower-case hex
	PID          string `json:"pid,omitempty"`
	SerialNumber string `json:"serial_number,omitempty"`
	Product      string `json:"product,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	// Board is the matching row of the board table, if any.
	Board *Board `json:"board,omitempty"`
	// Access is whether avmsh can open the port; AccessDetail says why
	// not and what to do.
	Access       Access `json:"access"`
	AccessDetail string `json:"access_detail,omitempty"`
	// OpenIn names the other processes that have the port open
	// ("socat (pid 4242)"; Linux only). They do not make it busy unless
	// they lock it, but a listing does not probe such a port unless it
	// was asked for by path, so as not to take bytes from them.
	OpenIn []string `json:"open_in,omitempty"`
	// AtomVM is the probe result (List with Probe set).
	AtomVM *ProbeResult `json:"atomvm,omitempty"`
	// Drive is the mount point of the USB drive of an RP2040/RP2350 in
	// BOOTSEL mode.
	Drive string `json:"drive,omitempty"`
	// Chip is what the ROM loader of an ESP32-family board said about
	// itself (avmsh devices --deep, which resets the board).
	Chip *ChipInfo `json:"chip,omitempty"`
}

// ChipInfo is an ESP chip as its ROM loader describes it.
type ChipInfo struct {
	Name      string `json:"name,omitempty"`
	MAC       string `json:"mac,omitempty"`
	FlashSize int    `json:"flash_size,omitempty"`
	Error     string `json:"error,omitempty"`
}

// ID is "vid:pid", or "" for a port that is not USB.
func (d Device) ID() string {
	if d.VID == "" {
		return ""
	}
	return d.VID + ":" + d.PID
}

// Key identifies a device across listings: its path, or its USB identity
// for a port-less bootloader device.
func (d Device) Key() string {
	switch {
	case d.Path != "":
		return d.Path
	case d.Drive != "" && d.SerialNumber == "":
		return "drive:" + d.Drive
	}
	return "usb:" + d.ID() + ":" + d.SerialNumber
}

// ListOptions select what List finds out.
type ListOptions struct {
	// Probe listens on every port that can be opened for an AtomVM node
	// (see Probe). Ports that are busy or not permitted are not probed.
	Probe bool
	// ProbeOptions configure the probes.
	ProbeOptions ProbeOptions
	// SkipAccess leaves Access as AccessUnknown (faster; for watching).
	SkipAccess bool
	// Paths, when set, limits the listing to these ports, in this order.
	// A path the enumerator does not report (a pty, a port behind a
	// driver it skips) is listed as a port without USB details.
	Paths []string
}

// portInfo is what a platform enumerator reports about one port.
type portInfo struct {
	Path                                    string
	USB                                     bool
	VID, PID, Serial, Product, Manufacturer string
}

// List returns the serial ports of this machine, sorted by path, plus
// USB boards that are in a bootloader mode without a serial port. It does
// not open any port unless opts.Probe is set. An empty list is not an
// error.
func List(ctx context.Context, opts ListOptions) ([]Device, error) {
	infos, err := enumerate()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	devs := make([]Device, 0, len(infos))
	for _, in := range infos {
		d := Device{
			Path:         in.Path,
			USB:          in.USB,
			VID:          normHex(in.VID),
			PID:          normHex(in.PID),
			SerialNumber: in.Serial,
			Product:      strings.TrimSpace(in.Product),
			Manufacturer: strings.TrimSpace(in.Manufacturer),
			Access:       AccessUnknown,
		}
		if b, ok := LookupBoard(d.VID, d.PID); ok && d.USB {
			d.Board = &b
		}
		if !opts.SkipAccess {
			d.Access, d.AccessDetail, d.OpenIn = checkAccess(d.Path)
		}
		devs = append(devs, d)
	}
	if len(opts.Paths) > 0 {
		devs = onlyPaths(devs, opts.Paths, !opts.SkipAccess)
	} else {
		devs = attachDrives(append(devs, bootloaderDevices()...), rp2.Finder{}.Find())
		sort.Slice(devs, func(i, j int) bool { return devs[i].Key() < devs[j].Key() })
	}
	if opts.Probe {
		probeAll(ctx, devs, opts.ProbeOptions, len(opts.Paths) > 0)
	}
	return devs, ctx.Err()
}

// onlyPaths keeps the devices at paths, in that order, adding the paths
// the enumerator did not find.
func onlyPaths(devs []Device, paths []string, access bool) []Device {
	byPath := make(map[string]Device, len(devs))
	for _, d := range devs {
		byPath[d.Path] = d
	}
	out := make([]Device, 0, len(paths))
	for _, p := range paths {
		d, ok := byPath[p]
		if !ok {
			d = Device{Path: p, Access: AccessUnknown}
			if _, err := os.Stat(p); err != nil && runtime.GOOS != "windows" {
				d.AccessDetail = "no such device; is the board plugged in?"
			} else if access {
				d.Access, d.AccessDetail, d.OpenIn = checkAccess(p)
			}
		}
		out = append(out, d)
	}
	return out
}

// probeAll probes the openable ports concurrently. Ports another
// program has open are left alone unless given explicitly: then they
// are probed even when they look busy, and opening says for sure.
func probeAll(ctx context.Context, devs []Device, po ProbeOptions, explicit bool) {
	var wg sync.WaitGroup
	for i := range devs {
		d := &devs[i]
		if d.Path == "" || !explicit && (d.Access == AccessBusy || d.Access == AccessDenied || len(d.OpenIn) > 0) {
			continue
		}
		if d.Board != nil && d.Board.Bootloader {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := Probe(ctx, d.Path, po)
			d.AtomVM = &r
			switch {
			case r.Access != "":
				d.Access, d.AccessDetail = r.Access, r.Error
			case explicit && r.Error == "":
				d.Access, d.AccessDetail = AccessOK, "" // it opened
			}
		}()
	}
	wg.Wait()
}

// dedupe merges a detailed listing with a plain list of port names, so
// that ports the detailed enumerator skipped still show up.
func dedupe(detailed []portInfo, names []string) []portInfo {
	seen := make(map[string]bool, len(detailed))
	out := make([]portInfo, 0, len(detailed)+len(names))
	for _, d := range detailed {
		if d.Path == "" || seen[d.Path] {
			continue
		}
		seen[d.Path] = true
		out = append(out, d)
	}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, portInfo{Path: n})
		}
	}
	return out
}

// attachDrives gives BOOTSEL boards their mounted drive (RPI-RP2 for the
// RP2040, RP2350 for the RP2350) when there is one of that kind, and
// lists the drives no such board claimed (systems where USB devices are
// not enumerated) as port-less devices of their own.
func attachDrives(devs []Device, drives []rp2.Drive) []Device {
	byPID := map[string][]rp2.Drive{}
	for _, dr := range drives {
		pid := "0003"
		if dr.Chip() == "RP2350" {
			pid = "000f"
		}
		byPID[pid] = append(byPID[pid], dr)
	}
	used := map[string]bool{}
	for i := range devs {
		d := &devs[i]
		if d.Path != "" || d.VID != "2e8a" || len(byPID[d.PID]) != 1 {
			continue
		}
		dr := byPID[d.PID][0]
		if used[dr.Path] {
			continue
		}
		used[dr.Path] = true
		d.Drive = dr.Path
		d.AccessDetail = bootselDetail(dr.Path)
	}
	for pid, ds := range byPID {
		for _, dr := range ds {
			if used[dr.Path] {
				continue
			}
			d := Device{VID: "2e8a", PID: pid, Drive: dr.Path, Access: AccessUnknown,
				AccessDetail: bootselDetail(dr.Path)}
			if b, ok := LookupBoard("2e8a", pid); ok {
				d.Board = &b
			}
			devs = append(devs, d)
		}
	}
	return devs
}

// Lookup finds the device at path in devs, also when path is a link to
// it (a /dev/serial/by-id name) or devs lists it under a link. Without
// one it returns a Device with only the path, and false.
func Lookup(devs []Device, path string) (Device, bool) {
	want, _ := filepath.EvalSymlinks(path)
	for _, d := range devs {
		if d.Path == "" {
			continue
		}
		real, _ := filepath.EvalSymlinks(d.Path)
		if d.Path == path || real != "" && real == want {
			return d, true
		}
	}
	return Device{Path: path}, false
}

// bootselDetail is the AccessDetail of a board in BOOTSEL mode: its
// drive takes a UF2 file (front-ends say how they flash it).
func bootselDetail(drive string) string {
	return "BOOTSEL drive " + drive + ": it takes a .uf2 (the application or AtomVM) copied to it"
}
