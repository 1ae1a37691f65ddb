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

// A SettingError is a setting that cannot be used. Setting names it as
// Setting.Name does ("before", "baud"); the message says why in neutral
// words, for the dashboard as it is; the command line adds its flag.
type SettingError struct {
	Setting string
	Reason  string
}

func (e *SettingError) Error() string { return e.Reason }

func settingErr(setting, format string, args ...any) error {
	return &SettingError{Setting: setting, Reason: fmt.Sprintf(format, args...)}
}

// ParseBefore reads what is done before flashing (Settings.Before).
func ParseBefore(s string) (Before, error) {
	switch b := Before(s); b {
	case DefaultReset, NoReset:
		return b, nil
	}
	return "", settingErr("before", "the reset before flashing must be %s or %s, not %q", DefaultReset, NoReset, s)
}

// ParseAfter reads what is done after flashing (Settings.After).
func ParseAfter(s string) (After, error) {
	switch a := After(s); a {
	case HardReset, StayInLoader:
		return a, nil
	}
	return "", settingErr("after", "the reset after flashing must be %s or %s, not %q", HardReset, StayInLoader, s)
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
		return settingErr("baud", "the flashing speed must be a speed in baud, not %d", s.Baud)
	case s.EraseNVS && !firmware:
		return settingErr("erase-nvs", "erasing NVS goes with installing a firmware image only")
	case s.EraseApp && !firmware:
		return settingErr("erase-app", "erasing the application goes with installing a firmware image only")
	}
	switch s.Reset {
	case "", devices.ResetClassic, devices.ResetUSBJTAG:
		return nil
	}
	return settingErr("reset-mode", "the reset circuit must be automatic, %s or %s, not %q", devices.ResetClassic, devices.ResetUSBJTAG, s.Reset)
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

// A Setting is one setting by name ("before", "after", "baud",
// "reset-mode", "partition", "erase-nvs", "erase-app", "no-stub": the
// names of avmsh flash's flags) and value ("" for a switch).
type Setting struct{ Name, Value string }

// Changed are the settings that differ from DefaultSettings, in the
// order of avmsh flash's help.
func (s Settings) Changed() []Setting {
	d := DefaultSettings()
	var out []Setting
	add := func(on bool, name, value string) {
		if on {
			out = append(out, Setting{name, value})
		}
	}
	add(s.Before != "" && s.Before != d.Before, "before", string(s.Before))
	add(s.After != "" && s.After != d.After, "after", string(s.After))
	add(s.Baud != d.Baud, "baud", strconv.Itoa(s.Baud))
	add(s.Reset != "", "reset-mode", string(s.Reset))
	add(s.Partition != "" && s.Partition != d.Partition, "partition", s.Partition)
	add(s.EraseNVS, "erase-nvs", "")
	add(s.EraseApp, "erase-app", "")
	add(s.NoStub, "no-stub", "")
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
