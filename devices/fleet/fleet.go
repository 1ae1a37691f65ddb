package fleet

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/internal/statefile"
)

// FileName is the state file in the store's directory.
const FileName = "fleet.json"

// Version is the file format this package writes. A file with a larger
// version was written by a newer avmsh.
const Version = 1

// BoardID identifies a board: by USB serial number when its bridge has
// one, else by the port it is on.
type BoardID struct {
	VID       string `json:"vid,omitempty"`
	PID       string `json:"pid,omitempty"`
	USBSerial string `json:"usb_serial,omitempty"`
	Port      string `json:"port,omitempty"`
}

// Key is the board's identity in the store: "usb:VID:PID:SERIAL", or
// "port:PATH" without a serial number.
func (b BoardID) Key() string {
	if b.USBSerial != "" {
		return "usb:" + strings.ToLower(b.VID) + ":" + strings.ToLower(b.PID) + ":" + b.USBSerial
	}
	return "port:" + b.Port
}

// IDOf is the identity of a listed serial port's board.
func IDOf(d devices.Device) BoardID {
	return BoardID{VID: d.VID, PID: d.PID, USBSerial: d.SerialNumber, Port: d.Path}
}

// Partition is one entry of a board's partition table.
type Partition struct {
	Name    string `json:"name"`
	Type    string `json:"type,omitempty"`
	SubType string `json:"subtype,omitempty"`
	Offset  uint32 `json:"offset"`
	Size    uint32 `json:"size"`
}

// FlashRecord is what the flasher wrote to a board, recorded after it
// verified the write.
type FlashRecord struct {
	// File is the image's name (base name of the .avm), Size its bytes,
	// MD5 its digest (hex), At when the flash was verified.
	File string    `json:"file"`
	Size int64     `json:"size"`
	MD5  string    `json:"md5"`
	At   time.Time `json:"at"`
	// Offset and Partition say where it went (optional).
	Offset    uint32 `json:"offset,omitempty"`
	Partition string `json:"partition,omitempty"`
	// Facts the flasher learnt on the way, recorded on the board when
	// set: the chip, the partition table, and the AtomVM version when
	// the image was AtomVM itself.
	Chip       string      `json:"chip,omitempty"`
	Partitions []Partition `json:"partitions,omitempty"`
	AtomVM     string      `json:"atomvm,omitempty"`
}

// Observation is what a look at a running board found (zero fields are
// left as they were, except Up).
type Observation struct {
	Chip   string
	AtomVM string
	Node   string
	Up     bool
}

// Board is one board of the fleet.
type Board struct {
	Key        string       `json:"key"`
	ID         BoardID      `json:"id"`
	Chip       string       `json:"chip,omitempty"`
	AtomVM     string       `json:"atomvm,omitempty"`
	LastFlash  *FlashRecord `json:"last_flash,omitempty"`
	Flashes    int          `json:"flashes,omitempty"`
	Partitions []Partition  `json:"partitions,omitempty"`
	Node       string       `json:"node,omitempty"`
	Up         bool         `json:"up"`
	SeenAt     time.Time    `json:"seen_at,omitzero"`
	UpdatedAt  time.Time    `json:"updated_at"`
	// VersionDiffers is set by Boards (never stored): this board's
	// AtomVM version is not the one most boards run.
	VersionDiffers bool `json:"-"`
}

// stateFile is the JSON document.
type stateFile struct {
	Version int     `json:"version"`
	Boards  []Board `json:"boards"`
}

// FileError reports a state file that could not be read as it is:
// corrupt, or written by a newer avmsh. When BadCopy is set, the file
// was copied there and a new file was written with the update (the
// update itself succeeded).
type FileError struct {
	Path    string
	BadCopy string
	Err     error
}

func (e *FileError) Error() string {
	msg := fmt.Sprintf("fleet state %s: %v", e.Path, e.Err)
	if e.BadCopy != "" {
		msg += fmt.Sprintf("; the old file was kept as %s and a new one started", e.BadCopy)
	} else {
		msg += "; nothing was changed (move the file aside, or upgrade avmsh if a newer one wrote it)"
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrFutureVersion: the file was written by a newer avmsh.
var ErrFutureVersion = errors.New("written by a newer avmsh")

// DefaultDir is $XDG_STATE_HOME/avmsh, or ~/.local/state/avmsh
// (statefile.Dir).
func DefaultDir(getenv func(string) string, home func() (string, error)) (string, error) {
	return statefile.Dir(getenv, home)
}

// MarkVersions sets VersionDiffers on boards whose AtomVM version is not
// the one most boards with a known version run. With a tie for the most
// common version, every board with a version is marked: no version is
// "the others'". Boards without a known version are never marked.
func MarkVersions(boards []Board) {
	count := map[string]int{}
	for _, b := range boards {
		if b.AtomVM != "" {
			count[b.AtomVM]++
		}
	}
	if len(count) < 2 {
		return
	}
	best, tie := "", false
	for v, n := range count {
		switch {
		case n > count[best] || best == "":
			best, tie = v, false
		case n == count[best]:
			tie = true
		}
	}
	for i := range boards {
		if boards[i].AtomVM != "" && (tie || boards[i].AtomVM != best) {
			boards[i].VersionDiffers = true
		}
	}
}

func sortBoards(bs []Board) {
	sort.Slice(bs, func(i, j int) bool { return bs[i].Key < bs[j].Key })
}
