package espflash_test

import (
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

// What the board prints right after the reset into its application is
// read by the flasher, which still holds the port: with BootLog, Run
// keeps reading at the console's speed and returns it, so that whoever
// holds the port next (a node, a monitor) can show it. Without, nothing
// is kept (and Run does not wait).
func TestBootLogAfterReset(t *testing.T) {
	s := newSim(t, espsim.Config{Chip: "ESP32"})
	app := testAVM(20_000, 7)
	res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{FlashBaud: 921600, BootLog: 5 * time.Second}, espflash.Job{App: app})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rst:0x1 (POWERON_RESET)", "2nd stage bootloader", "I (412) AtomVM: Starting main.avm..."} {
		if !strings.Contains(res.Boot, want) {
			t.Errorf("boot log %q lacks %q", res.Boot, want)
		}
	}
	res, err = run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{App: app})
	if err != nil || res.Boot != "" {
		t.Fatalf("without BootLog: %q %v", res.Boot, err)
	}
}
