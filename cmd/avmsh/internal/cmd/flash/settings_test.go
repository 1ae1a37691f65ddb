//go:build !windows

package flashcmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/node/serialdist"
)

// The flags become an espflash.Settings (the type the dashboard's
// options line fills too), and Settings.Flags gives the flags back:
// the two front-ends cannot drift apart.
func TestFlagsMakeSettings(t *testing.T) {
	path, _ := writeAVM(t, 100, 5)
	img := make([]byte, 64)
	img[0], img[12] = 0xE9, 9 // an ESP32-S3 image
	fw := filepath.Join(t.TempDir(), "AtomVM-esp32s3.img")
	if err := os.WriteFile(fw, img, 0o644); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop before the port")
	capture := func(got *espflash.Settings) func(*Options) {
		return func(o *Options) {
			o.Borrow = func(context.Context, string, string) (*serialdist.Loan, error) {
				*got = o.settings()
				return nil, errStop
			}
		}
	}
	var def espflash.Settings
	if _, _, err := runCmd(t, testCtx(t), capture(&def), "", "/dev/ttyUSB0", path); !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(def, espflash.DefaultSettings()) {
		t.Errorf("no flags: %+v, want the defaults %+v", def, espflash.DefaultSettings())
	}
	want := espflash.Settings{Before: espflash.NoReset, After: espflash.StayInLoader, Baud: 921600, EraseNVS: true, EraseApp: true,
		Partition: "main.avm", Reset: devices.ResetUSBJTAG}
	var got espflash.Settings
	args := []string{"/dev/ttyUSB0", path, "--firmware", fw}
	for _, c := range want.Changed() {
		if args = append(args, "--"+c.Name); c.Value != "" {
			args = append(args, c.Value)
		}
	}
	if _, _, err := runCmd(t, testCtx(t), capture(&got), "", args...); !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%v: %+v, want %+v", args, got, want)
	}
}
