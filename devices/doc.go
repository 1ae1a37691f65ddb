// Package devices owns serial-port discovery for avmsh: listing ports
// with their USB identity (VID:PID, serial number, product, maker), the
// board family from a maintained table of the USB devices AtomVM boards
// show up as (Espressif native USB, CP210x, CH34x, FTDI, Raspberry Pi
// RP2040/RP2350 including BOOTSEL mode), whether avmsh can open a port,
// an optional probe for an AtomVM node answering on it (idle sync markers;
// a deeper handshake probe plugs in through ProbeOptions.Deep), hot-plug
// watching for the TUI, board reset sequences over DTR/RTS (ESP32 classic
// auto-reset and USB-Serial/JTAG, and esptool's bootloader attempts
// including "unix tight" and the hard reset into the application), the
// mounted drive of RP2040/RP2350 boards in BOOTSEL mode and the ESP chip
// a ROM loader reported (ChipInfo, filled by devices/espflash), and a
// console writer with per-line timestamps and a log file for serial
// monitors, and the one sanitizer of console text (AppendVisible):
// control characters made visible, so that a board cannot drive the
// terminal it is shown on.
//
// Listing uses go.bug.st/serial/enumerator. On macOS that package needs
// cgo; a build without cgo (cross-compiled releases) reads the same
// details from `ioreg` instead (see enum_darwin_nocgo.go).
package devices
