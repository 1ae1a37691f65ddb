package espflash_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
)

// Settings make Run's Options and Job: what the CLI's flags and the
// dashboard's options line set arrives there, and nothing else.
func TestSettingsOptionsAndJob(t *testing.T) {
	s := espflash.DefaultSettings()
	if s.Before != espflash.DefaultReset || s.After != espflash.HardReset || s.Baud != 460800 || s.Partition != "main.avm" || len(s.Changed()) != 0 {
		t.Fatalf("defaults %+v, changed %v", s, s.Changed())
	}
	s.Before, s.After, s.Baud, s.EraseNVS = espflash.NoReset, espflash.StayInLoader, 921600, true
	var logged []string
	usbJTAG := devices.Device{Path: "/dev/ttyACM0", USB: true, VID: "303a", PID: "1001"}
	o := s.Options("/dev/ttyACM0", usbJTAG, func(m string) { logged = append(logged, m) }, nil, time.Second)
	if o.Port != "/dev/ttyACM0" || o.Before != espflash.NoReset || o.After != espflash.StayInLoader || o.FlashBaud != 921600 ||
		o.Reset != devices.ResetUSBJTAG || o.BootLog != time.Second || o.NoStub {
		t.Errorf("options %+v", o)
	}
	if o.Log("x"); len(logged) != 1 {
		t.Error("log not passed on")
	}
	fw, app := []byte{0xE9}, []byte("avm")
	j := s.Job(app, fw)
	if string(j.App) != "avm" || len(j.Firmware) != 1 || !j.EraseNVS || j.EraseApp || j.Partition != "main.avm" {
		t.Errorf("job %+v", j)
	}
	if got := fmt.Sprint(s.Changed()); got != "[{before no-reset} {after no-reset} {baud 921600} {erase-nvs }]" {
		t.Errorf("changed %s", got)
	}
	if got := s.ConnectText(usbJTAG); got != "no reset" {
		t.Errorf("connect text %q", got)
	}
	s.Before = espflash.DefaultReset
	for _, c := range []struct {
		d    devices.Device
		want string
	}{{usbJTAG, "usb-jtag reset"}, {devices.Device{Path: "/dev/pts/3"}, "classic reset"}} {
		if got := s.ConnectText(c.d); got != c.want {
			t.Errorf("%s: %q, want %q", c.d.Path, got, c.want)
		}
	}
	s.Reset = devices.ResetClassic // --reset-mode classic wins over the USB id
	if got := s.ResetStyle(usbJTAG); got != devices.ResetClassic {
		t.Errorf("reset style %q", got)
	}
}

func TestSettingsCheck(t *testing.T) {
	ok := espflash.DefaultSettings()
	if err := ok.Check(false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s        espflash.Settings
		firmware bool
		want     string
	}{
		{espflash.Settings{Before: "reset"}, true, `the reset before flashing must be default-reset or no-reset, not "reset"`},
		{espflash.Settings{After: "soft-reset"}, true, `the reset after flashing must be hard-reset or no-reset`},
		{espflash.Settings{Baud: -1}, true, "the flashing speed must be a speed in baud, not -1"},
		{espflash.Settings{EraseNVS: true}, false, "erasing NVS goes with installing a firmware image"},
		{espflash.Settings{EraseApp: true}, false, "erasing the application goes with installing a firmware image"},
		{espflash.Settings{Reset: "magic"}, true, `the reset circuit must be automatic, classic or usb-jtag, not "magic"`},
	} {
		err := c.s.Check(c.firmware)
		var se *espflash.SettingError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &se) || se.Setting == "" {
			t.Errorf("%+v: %v, want %q from a *SettingError naming its setting", c.s, err, c.want)
		}
	}
	if err := (espflash.Settings{EraseNVS: true, EraseApp: true}).Check(true); err != nil {
		t.Errorf("erase with a firmware image: %v", err)
	}
	if _, err := espflash.ParseBefore("no-reset"); err != nil {
		t.Error(err)
	}
}

func TestNextBaud(t *testing.T) {
	for _, c := range [][2]int{{115200, 230400}, {460800, 921600}, {921600, 115200}, {0, 115200}, {500000, 921600}, {2000000, 115200}} {
		if got := espflash.NextBaud(c[0]); got != c[1] {
			t.Errorf("after %d: %d, want %d", c[0], got, c[1])
		}
	}
}
