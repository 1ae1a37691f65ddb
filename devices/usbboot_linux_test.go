package devices

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScanUSBBoot(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, attrs map[string]string) {
		dir := filepath.Join(root, name)
		os.MkdirAll(dir, 0o755)
		for k, v := range attrs {
			os.WriteFile(filepath.Join(dir, k), []byte(v+"\n"), 0o644)
		}
	}
	mk("1-1", map[string]string{"idVendor": "2e8a", "idProduct": "0003", "serial": "E0C9125B0D9B", "product": "RP2 Boot", "manufacturer": "Raspberry Pi"})
	mk("1-2", map[string]string{"idVendor": "2e8a", "idProduct": "000a", "product": "Pico"}) // has a tty: listed by the enumerator
	mk("1-3", map[string]string{"idVendor": "046d", "idProduct": "c52b"})
	mk("usb1", map[string]string{})
	got := scanUSBBoot(root)
	if len(got) != 1 || got[0].PID != "0003" || got[0].Product != "RP2 Boot" || got[0].Board == nil || !got[0].Board.Bootloader || got[0].Path != "" {
		t.Fatalf("%+v", got)
	}
	if k := got[0].Key(); k != "usb:2e8a:0003:E0C9125B0D9B" {
		t.Fatalf("key %q", k)
	}
	if scanUSBBoot(filepath.Join(root, "missing")) != nil {
		t.Fatal("missing root")
	}
}
