package espflash_test

import (
	"testing"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

// The --deep chip probe resets a running board into its loader, reads
// it, and leaves it running its application again.
func TestProbeLink(t *testing.T) {
	s := newSim(t, espsim.Config{Chip: "ESP32-S3", FlashSize: 8 << 20})
	info := espflash.ProbeLink(ctxT(t), s.Link(ctxT(t)), "sim0", devices.ResetClassic)
	if info.Error != "" || info.Name != "ESP32-S3" || info.MAC != "24:0a:c4:12:34:56" || info.FlashSize != 8<<20 {
		t.Fatalf("%+v", info)
	}
	waitFor(t, "the app to run again", func() bool { return s.Boots() == 1 && !s.InLoader() })
	if s.Count(0x05) != 0 {
		t.Error("the probe uploaded the stub")
	}
	// A board that does not answer: the error says so.
	s = newSim(t, espsim.Config{})
	info = espflash.ProbeLink(ctxT(t), espsim.NoLines{HostLink: s.Link(ctxT(t))}, "sim1", devices.ResetClassic)
	if info.Error == "" || info.Name != "" {
		t.Fatalf("%+v", info)
	}
}
