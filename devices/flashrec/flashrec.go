package flashrec

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/devices/uf2"
)

// DefaultStore is the fleet store of the user ($XDG_STATE_HOME/avmsh,
// else ~/.local/state/avmsh).
func DefaultStore(getenv func(string) string) (*fleet.Store, error) {
	dir, err := fleet.DefaultDir(getenv, os.UserHomeDir)
	if err != nil {
		return nil, err
	}
	return fleet.Open(dir), nil
}

// ESP says what an espflash.Run wrote, beyond its Result.
type ESP struct {
	// App and Firmware are the paths (or names) of the files written;
	// a Rebuild job's App is what the caller calls the rebuilt .avm.
	App, Firmware string
	// FirmwareImage is the firmware written, to read AtomVM's version
	// from (nil: none).
	FirmwareImage []byte
	// AtomVM is the version the board's node reported, when known
	// (`avmsh load --persist` asks it).
	AtomVM string
}

// ESPRecords are the records of a verified espflash.Run: the firmware
// image, then the application, as the Result has them.
func ESPRecords(res *espflash.Result, in ESP) []fleet.FlashRecord {
	if res == nil {
		return nil
	}
	parts := partitions(res.Partitions)
	version := in.AtomVM
	if v := AtomVMVersion(in.FirmwareImage); v != "" {
		version = v
	}
	var out []fleet.FlashRecord
	if f := res.Firmware; f != nil {
		out = append(out, fleet.FlashRecord{File: base(in.Firmware, "firmware"), Size: int64(f.Size), MD5: f.MD5,
			Offset: f.Offset, Chip: res.Info.Chip, Partitions: parts, AtomVM: AtomVMVersion(in.FirmwareImage)})
	}
	if a := res.App; a != nil {
		r := fleet.FlashRecord{File: base(in.App, "app.avm"), Size: int64(a.Size), MD5: a.MD5, Offset: a.Offset,
			Chip: res.Info.Chip, Partitions: parts, AtomVM: version}
		if a.Partition != nil {
			r.Partition = a.Partition.Label
		}
		out = append(out, r)
	}
	return out
}

func partitions(ps []espflash.Partition) []fleet.Partition {
	var out []fleet.Partition
	for _, p := range ps {
		out = append(out, fleet.Partition{Name: p.Label, Type: p.TypeName(), SubType: p.SubtypeName(), Offset: p.Offset, Size: p.Size})
	}
	return out
}

func base(path, otherwise string) string {
	if path == "" {
		return otherwise
	}
	return filepath.Base(path)
}

// Image is a file a Pico took through its BOOTSEL drive.
type Image struct {
	// Path is the file's path (or name).
	Path string
	// Data is the file: an .avm (written at uf2.AppAddress), or a .uf2
	// copied as it is (AtomVM itself).
	Data []byte
}

// PicoRecords are the records of UF2s a Pico took (chip is the drive's:
// "RP2040" or "RP2350"), in the order given: a .uf2 (AtomVM) is recorded
// as it is, with the AtomVM version inside it when it says; an .avm by
// its own size and MD5 (what `md5sum app.avm` prints), at AtomVM's
// application address.
func PicoRecords(chip string, images []Image) []fleet.FlashRecord {
	var version string
	for _, im := range images {
		if isUF2(im.Data) {
			version = AtomVMVersion(im.Data)
		}
	}
	var out []fleet.FlashRecord
	for _, im := range images {
		sum := md5.Sum(im.Data)
		r := fleet.FlashRecord{File: base(im.Path, "app.avm"), Size: int64(len(im.Data)), MD5: hex.EncodeToString(sum[:]), Chip: chip, AtomVM: version}
		if !isUF2(im.Data) {
			r.Offset = uf2.AppAddress
		} else if bs, err := uf2.Decode(im.Data); err == nil && len(bs) > 0 {
			r.Offset = bs[0].Addr
		}
		out = append(out, r)
	}
	return out
}

func isUF2(b []byte) bool {
	_, err := uf2.Decode(b)
	return err == nil
}

// ID is the board's identity in the fleet: its USB serial number with
// VID:PID when the port has one, else the port. A Pico in BOOTSEL mode
// (2e8a:0003, 2e8a:000f) is given the VID:PID AtomVM's USB serial port
// has on the same chip (pico-sdk's 2e8a:000a, 2e8a:0009): both report
// the flash's unique id as their serial number, so the board is one
// entry whichever way it was flashed. ok is false when nothing
// identifies the board (a BOOTSEL drive found without its USB device).
func ID(d devices.Device) (id fleet.BoardID, ok bool) {
	if d.VID == "2e8a" && d.SerialNumber != "" {
		switch d.PID {
		case "0003":
			d.PID = "000a"
		case "000f":
			d.PID = "0009"
		}
	}
	id = fleet.IDOf(d)
	return id, id.USBSerial != "" || id.Port != ""
}

// ErrUnknownBoard: nothing identifies the board (see ID), so the flash
// is not recorded.
var ErrUnknownBoard = errors.New("the board has no USB serial number or port to be known by")

// RecordESP records a verified espflash.Run on the board of device dev
// (as devices.List describes it; a Device with only Path for a port the
// listing does not know). This is the call the CLI and the dashboard
// make after espflash.Run returned without error.
func RecordESP(s *fleet.Store, dev devices.Device, res *espflash.Result, in ESP) error {
	id, ok := ID(dev)
	if !ok {
		return ErrUnknownBoard
	}
	return Record(s, id, ESPRecords(res, in))
}

// RecordPico records UF2s a Pico took (rp2.Install.Copy returned
// without error) on the board of dev; chip is the drive's.
func RecordPico(s *fleet.Store, dev devices.Device, chip string, images []Image) error {
	id, ok := ID(dev)
	if !ok {
		return ErrUnknownBoard
	}
	return Record(s, id, PicoRecords(chip, images))
}

// Record stores recs on board id, in order.
func Record(s *fleet.Store, id fleet.BoardID, recs []fleet.FlashRecord) error {
	var errs []error
	for _, r := range recs {
		if err := s.Record(id, r); err != nil {
			var fe *fleet.FileError
			if errors.As(err, &fe) && fe.BadCopy != "" {
				errs = append(errs, err) // recorded; the old file was set aside
				continue
			}
			return errors.Join(append(errs, fmt.Errorf("record the flash of %s: %w", r.File, err))...)
		}
	}
	return errors.Join(errs...)
}

// revision is what AtomVM prints at start on ESP32 (main.c:
// ESP_LOGI(TAG, "Starting AtomVM revision " ATOMVM_VERSION)) and on the
// Pico (main.c: "Starting AtomVM revision " ATOMVM_VERSION "\n"): the
// version is a string literal joined to it in the image.
const revision = "Starting AtomVM revision "

// AtomVMVersion reads the AtomVM version out of a firmware image (an ESP
// image, or a UF2 whose payload is searched) from the start banner
// compiled into it; "" when there is none.
func AtomVMVersion(image []byte) string {
	if bs, err := uf2.Decode(image); err == nil {
		var payload []byte
		for _, b := range bs {
			payload = append(payload, b.Data...)
		}
		image = payload
	}
	i := bytes.Index(image, []byte(revision))
	if i < 0 {
		return ""
	}
	v := image[i+len(revision):]
	n := 0
	for n < len(v) && n < 64 && versionByte(v[n]) {
		n++
	}
	return string(v[:n])
}

func versionByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+' || c == '_'
}
