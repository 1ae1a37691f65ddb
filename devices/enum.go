//go:build !(darwin && !cgo)

package devices

import (
	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// enumerate lists ports with go.bug.st/serial/enumerator. Reading USB
// strings actively (Windows) is limited to devices of the board table.
func enumerate() ([]portInfo, error) {
	known := func(vid, pid string) bool {
		_, ok := LookupBoard(vid, pid)
		return ok
	}
	list, err := enumerator.GetDetailedPortsList(known)
	if err != nil {
		// Fall back to bare names: one unreadable device must not hide
		// the others.
		names, err2 := serial.GetPortsList()
		if err2 != nil {
			return nil, err
		}
		return dedupe(nil, names), nil
	}
	infos := make([]portInfo, 0, len(list))
	for _, p := range list {
		infos = append(infos, portInfo{
			Path: p.Name, USB: p.IsUSB, VID: p.VID, PID: p.PID,
			Serial: p.SerialNumber, Product: p.Product, Manufacturer: p.Manufacturer,
		})
	}
	// The Linux enumerator returns an empty entry for a tty without a
	// sysfs device; list such ports by name.
	names, _ := serial.GetPortsList()
	return dedupe(infos, names), nil
}
