package devices

import (
	"os"
	"path/filepath"
	"strings"
)

// sysUSB is where Linux lists USB devices.
const sysUSB = "/sys/bus/usb/devices"

// bootloaderDevices lists boards of the table that are in a mode without
// a serial port (RP2040/RP2350 BOOTSEL), from sysfs.
func bootloaderDevices() []Device { return scanUSBBoot(sysUSB) }

func scanUSBBoot(root string) []Device {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []Device
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		vid, pid := readAttr(dir, "idVendor"), readAttr(dir, "idProduct")
		if vid == "" {
			continue
		}
		b, ok := LookupBoard(vid, pid)
		if !ok || !b.NoSerial {
			continue
		}
		out = append(out, Device{
			USB: true, VID: b.VID, PID: b.PID,
			SerialNumber: readAttr(dir, "serial"),
			Product:      readAttr(dir, "product"),
			Manufacturer: readAttr(dir, "manufacturer"),
			Board:        &b,
			Access:       AccessUnknown,
			AccessDetail: "no serial port in this mode: copy a .uf2 to its USB drive, or reset it to run",
		})
	}
	return out
}

func readAttr(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
