//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package serialdist

import (
	"errors"
	"io"
	"strings"

	"go.bug.st/serial"
)

// lockDevice: Windows opens COM ports exclusively by itself.
func lockDevice(string) (io.Closer, error) { return nil, nil }

func applyFlow(_ io.Closer, _ serial.Port, f Flow) error {
	if f == FlowNone {
		return nil
	}
	return errors.New("only flow=none is supported on this system")
}

// Holders is not implemented on this system.
func Holders(string) []string { return nil }

func isWindowsName(path string) bool {
	p := strings.ToUpper(strings.TrimPrefix(path, `\\.\`))
	return strings.HasPrefix(p, "COM")
}

// PermissionAdvice says how to get access to the device.
func PermissionAdvice(string) string {
	return "another program may have the port open, or your account may not use it"
}

func busyAdvice(string) string {
	return "another program has it open (idf.py monitor, PuTTY, another avmsh?); close it and try again"
}
