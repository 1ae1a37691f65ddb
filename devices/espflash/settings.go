package espflash

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/avmsh/avmsh/devices"
)

// DefaultFlashBaud is the speed a flash switches to once the stub runs
// (`avmsh flash --baud`'s default).
const DefaultFlashBaud = 460800

// FlashBauds are the usual flash speeds, slowest first (115200 keeps the
// ROM's): the dashboard cycles through them.
var FlashBauds = []int{115200, 230400, DefaultFlashBaud, 921600}

// Settings are the choices a user makes about a flash, under esptool's
// names: `avmsh flash`'s flags and the dashboard's options line both
// fill one, and it alone makes the Options and the Job that Run gets, so
// that the two front-ends flash the same way.
type Settings struct {
	// Before: DefaultReset (DTR/RTS into the loader) or NoReset (a port
	// that refuses DTR/RTS, or a board already held in its loader).
	Before Before
	// After: HardReset (run the application) or StayInLoader.
	After After
	// Baud is the speed to switch to once the stub runs (0: stay).
	Baud int
	// EraseNVS and EraseApp let a firmware image overwrite the NVS and
	// application partitions (Job.EraseNVS, Job.EraseApp).
	EraseNVS, EraseApp bool
	// Partition is the application partition's label ("": AppPartition).
	Partition string
	// Reset is the reset circuit; "" picks it from the board's USB id
	// (ResetStyle).
	Reset devices.ResetStyle
	// NoStub talks to the ROM loader only.
	NoStub bool
}

// DefaultSettings are `avmsh flash`'s defaults.
func DefaultSettings() Settings {
	return Settings{Before: DefaultReset, After: HardReset, Baud: DefaultFlashBaud, Partition: AppPartition}
}

// ParseBefore reads --before.
func ParseBefore(s string) (Before, error) {
	switch b := Before(s); b {
	case DefaultReset, NoReset:
		return b, nil
	}
	return "", fmt.Errorf("--before must be %s or %s, not %q", DefaultReset, NoReset, s)
}

// ParseAfter reads --after.
func ParseAfter(s string) (After, error) {
	switch a := After(s); a {
	case HardReset, StayInLoader:
		return a, nil
	}
	return "", fmt.Errorf("--after must be %s or %s, not %q", HardReset, StayInLoader, s)
}

// Check says whether the settings can be used for a job that writes a
// firmware image (firmware) or not: known values, a speed that is not
// negative, and the erase options only with a firmware image.
func (s Settings) Check(firmware bool) error {
	if _, err := ParseBefore(string(s.Before)); err != nil && s.Before != "" {
		return err
	}
	if _, err := ParseAfter(string(s.After)); err != nil && s.After != "" {
		return err
	}
	switch {
	case s.Baud < 0:
		return fmt.Errorf("--baud must be a speed in baud, not %d", s.Baud)
	case (s.EraseNVS || s.EraseApp) && !firmware:
		return fmt.Errorf("--erase-nvs and --erase-app go with a firmware image (--firmware)")
	}
	switch s.Reset {
	case "", devices.ResetClassic, devices.ResetUSBJTAG:
		return nil
	}
	return fmt.Errorf("--reset-mode must be auto, %s or %s, not %q", devices.ResetClassic, devices.ResetUSBJTAG, s.Reset)
}

// ResetStyle is the reset circuit for the board d: Settings.Reset when
// set, else the board table's for its USB id, else classic (a port that
// is not USB, or not listed).
func (s Settings) ResetStyle(d devices.Device) devices.ResetStyle {
	switch {
	case s.Reset != "":
		return s.Reset
	case d.USB:
		return devices.ResetStyleFor(d.VID, d.PID)
	}
	return devices.ResetClassic
}

// Options are Run's options for a flash of the board d on port: log
// gets the steps, progress the bytes, and bootLog is Options.BootLog.
func (s Settings) Options(port string, d devices.Device, log func(string), progress func(Progress), bootLog time.Duration) Options {
	return Options{
		ConnectOptions: ConnectOptions{Port: port, Before: s.Before, Reset: s.ResetStyle(d), NoStub: s.NoStub, Log: log},
		FlashBaud:      s.Baud,
		After:          s.After,
		Progress:       progress,
		BootLog:        bootLog,
	}
}

// Job is the job writing app and/or firmware (either may be nil).
func (s Settings) Job(app, firmware []byte) Job {
	p := s.Partition
	if p == "" {
		p = AppPartition
	}
	return Job{App: app, Firmware: firmware, Partition: p, EraseNVS: s.EraseNVS, EraseApp: s.EraseApp}
}

// ConnectText says how the board is brought into its loader ("no reset",
// "classic reset") for the "Connecting to ..." line.
func (s Settings) ConnectText(d devices.Device) string {
	if s.Before == NoReset {
		return "no reset"
	}
	return string(s.ResetStyle(d)) + " reset"
}

// Flags are the `avmsh flash` flags that say what differs from
// DefaultSettings, in the order of its help ("--before no-reset").
func (s Settings) Flags() []string {
	d := DefaultSettings()
	var out []string
	if s.Before != "" && s.Before != d.Before {
		out = append(out, "--before", string(s.Before))
	}
	if s.After != "" && s.After != d.After {
		out = append(out, "--after", string(s.After))
	}
	if s.Baud != d.Baud {
		out = append(out, "--baud", strconv.Itoa(s.Baud))
	}
	if s.Reset != "" {
		out = append(out, "--reset-mode", string(s.Reset))
	}
	if s.Partition != "" && s.Partition != d.Partition {
		out = append(out, "--partition", s.Partition)
	}
	if s.EraseNVS {
		out = append(out, "--erase-nvs")
	}
	if s.EraseApp {
		out = append(out, "--erase-app")
	}
	if s.NoStub {
		out = append(out, "--no-stub")
	}
	return out
}

// NextBaud is the speed after baud in FlashBauds (round to the first).
func NextBaud(baud int) int {
	i := slices.IndexFunc(FlashBauds, func(b int) bool { return b > baud })
	if i < 0 {
		return FlashBauds[0]
	}
	return FlashBauds[i]
}
