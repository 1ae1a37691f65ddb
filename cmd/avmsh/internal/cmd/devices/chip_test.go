package devicescmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/devices"
)

func TestDeepAsksESPChips(t *testing.T) {
	var asked []string
	prep := func(o *Options) {
		o.List = func(_ context.Context, lo devices.ListOptions) ([]devices.Device, error) {
			d := sample()
			d[1].Access = devices.AccessOK
			d[1].AtomVM = &devices.ProbeResult{ConsoleBytes: 10}
			d[3].Drive = "/media/u/RPI-RP2"
			return d, nil
		}
		o.ChipProbe = func(_ context.Context, path string, style devices.ResetStyle) devices.ChipInfo {
			asked = append(asked, path+" "+string(style))
			return devices.ChipInfo{Name: "ESP32", MAC: "24:0a:c4:00:00:01", FlashSize: 4 << 20}
		}
	}
	out, _, err := runCmd(t, false, nil, prep, "--deep", "--cookie", "c")
	if err != nil {
		t.Fatal(err)
	}
	// Only the ESP board where no node answered is reset and asked.
	if strings.Join(asked, ",") != "/dev/ttyUSB0 classic" {
		t.Errorf("asked %v", asked)
	}
	for _, want := range []string{"CHIP", "ESP32 24:0a:c4:00:00:01 4MB", "were reset into their ROM loader", "(drive /media/u/RPI-RP2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	out, _, err = runCmd(t, false, nil, prep, "--deep", "--cookie", "c", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var devs []devices.Device
	if err := json.Unmarshal([]byte(out), &devs); err != nil || devs[1].Chip == nil || devs[1].Chip.Name != "ESP32" || devs[3].Drive == "" {
		t.Errorf("json %v: %s", err, out)
	}
}
