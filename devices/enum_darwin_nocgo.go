//go:build darwin && !cgo

package devices

import (
	"context"
	"os/exec"
	"time"

	"go.bug.st/serial"
)

// enumerate without cgo (a cross-compiled macOS release): port names
// from /dev, USB details parsed from `ioreg`, best effort.
func enumerate() ([]portInfo, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ioreg", "-r", "-c", "IOUSBHostDevice", "-l", "-w0").Output()
	if err != nil {
		return dedupe(nil, names), nil
	}
	return dedupe(parseIoreg(string(out)), names), nil
}
