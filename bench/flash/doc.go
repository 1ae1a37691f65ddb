//go:build !windows

// Command flash measures writing and verifying an application on an
// ESP32 through its ROM loader and flasher stub, avmsh against
// Espressif's esptool-js (under Node, the anchor) in the same run, each
// onto a fresh simulated board (internal/espsim) behind a socat pty
// pair. The simulator paces both directions at the line rate (baud/10
// bytes per second, 8N1), so the times are what a real UART allows.
//
//	go run ./bench/flash [-baud 921600] [-size 1048576] [-chip ESP32] [-compressible]
//
// Both tools start at the ROM's 115200 baud, upload their stub, switch
// to -baud, write the file compressed at 0x250000 and check the flash's
// MD5. Data is random (uncompressible) unless -compressible. It prints
// each tool's wall time (whole process, from start to verified), the
// ratio avmsh/esptool-js (target ≤ 1.0), and avmsh's write phase as a
// fraction of the line rate (target ≥ 90 % for uncompressible data).
package main
