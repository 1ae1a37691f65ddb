//go:build !linux

package devices

// bootloaderDevices: port-less bootloader devices are only found on
// Linux (sysfs).
func bootloaderDevices() []Device { return nil }
