package source

import (
	"context"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
)

// Flasher writes AtomVM applications, and AtomVM itself, onto the boards
// of the devices view (issue 12's dashboard flow). It is the same work as
// `avmsh flash`, through the same packages: devices/espflash.Run for the
// ESP32 family, devices/rp2.Install for a Raspberry Pi Pico, and the
// port loan of node/serialdist when avmsh holds the port (the
// dashboard's own node included: it gets the port back and redials the
// board's node when the new application starts distribution).
//
// Flashing is optional: a view offers it when its source implements
// Flasher (Live does).
type Flasher interface {
	// PlanFlash reads the file at path and says what flashing it onto
	// the board on port does: an .avm is an application, an ESP image
	// (magic 0xE9) AtomVM itself for an ESP32, a .uf2 AtomVM itself for
	// a Pico. A file that fits none, or not this board, is an error
	// saying why; nothing is written. For an ESP32 the plan's Settings
	// are the ones last used on that board from the dashboard (its
	// --before, --after and --baud), else avmsh flash's defaults.
	PlanFlash(ctx context.Context, port, path string) (FlashPlan, error)
	// Flash runs a plan, with its Settings (an ESP32's; a Pico's
	// BOOTSEL copy has none). progress receives snapshots from Flash's
	// goroutine (it must not block). A result is returned only when the
	// write was verified (ESP: the loader's MD5 of the flash; Pico: the
	// boot ROM took the file and left BOOTSEL); on an error or when ctx
	// is cancelled, the board may hold a partial image.
	Flash(ctx context.Context, plan FlashPlan, progress func(FlashProgress)) (FlashResult, error)
	// LastFlashFile is the file last flashed onto the board on port from
	// the dashboard, across sessions ("" when none).
	LastFlashFile(ctx context.Context, port string) string
}

// FlashKind is what a file does to a board.
type FlashKind string

// The kinds of flash.
const (
	// FlashApp: an AtomVM application (.avm), into the partition
	// labelled main.avm of an ESP32, or as a UF2 at AtomVM's
	// application address on a Pico.
	FlashApp FlashKind = "app"
	// FlashFirmware: an AtomVM image for an ESP32, at the chip's
	// bootloader offset; the board's NVS and application are kept.
	FlashFirmware FlashKind = "firmware"
	// FlashUF2: a .uf2 (AtomVM itself for a Pico), copied as it is.
	FlashUF2 FlashKind = "uf2"
)

// FlashPlan is a file checked against a board, ready to flash.
type FlashPlan struct {
	// Port is the board's serial port ("" for a Pico known only by its
	// BOOTSEL drive).
	Port string
	// Board names the board ("ESP32 (CP210x)"; "" when unknown).
	Board string
	// Pico: the board is a Raspberry Pi Pico (BOOTSEL copy) rather than
	// an ESP32 (ROM loader).
	Pico bool
	// Path is the file (absolute), Size its bytes.
	Path string
	Size int64
	Kind FlashKind
	// ImageChip is the chip a firmware image was built for
	// (FlashFirmware).
	ImageChip string
	// Confirm: ask before flashing (installing AtomVM itself).
	Confirm bool
	// Settings are avmsh flash's options for an ESP32 (--before,
	// --after, --baud, and for a firmware image --erase-nvs and
	// --erase-app), which the view lets the user change before
	// flashing; espflash.Settings makes espflash.Run's options from
	// them, for the CLI and the dashboard alike. Unused for a Pico.
	Settings espflash.Settings
}

// FlashProgress is a snapshot of a flash going on.
type FlashProgress struct {
	// Log is the latest step ("Chip is ESP32-S3, MAC ...").
	Log string
	// Region ("main.avm", "firmware") and Phase ("compare", "write",
	// "verify") of the bytes below; empty before the first.
	Region, Phase string
	Done, Total   int64
	// Rate is bytes per second in this phase (0: not known yet); ETA
	// the time left (negative: not known).
	Rate float64
	ETA  time.Duration
}

// FlashRegion is one region written and verified.
type FlashRegion struct {
	// Name is the partition's label, "firmware", or the UF2's name.
	Name   string
	Offset uint32
	// Size is the file's bytes; Written and Skipped are bytes of flash
	// written, and left as they were because they already matched.
	Size             int
	Written, Skipped int64
	// Kept lists the partitions a firmware image left as they were.
	Kept []string
	MD5  string
}

// FlashResult is a verified flash.
type FlashResult struct {
	Port string
	File string // the file's base name
	Kind FlashKind
	// Chip, MAC and FlashSize (bytes) are what the board said (ESP), or
	// the chip of the BOOTSEL drive (Pico); Drive is that drive.
	Chip      string
	MAC       string
	FlashSize int
	Drive     string
	Regions   []FlashRegion
	Seconds   float64
	// Started says how the application was started ("hard reset",
	// "reboot command"; "rebooted" for a Pico).
	Started string
	// Lender is who held the port and got it back ("" for nobody, "the
	// dashboard's node" when it was the dashboard itself).
	Lender string
	// Reconnect: the dashboard opens the port again and connects to the
	// board's node when its new application starts distribution.
	Reconnect bool
	// Boot is what the board printed as it restarted, read while the
	// flasher still held the port (ESP); it also leads the port's
	// console once the port is open again.
	Boot string
}
