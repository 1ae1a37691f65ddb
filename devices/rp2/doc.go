// Package rp2 puts files on Raspberry Pi RP2040 (Pico) and RP2350
// (Pico 2) boards the way their boot ROM takes them: as a .uf2 file
// copied onto the USB drive the board shows in BOOTSEL mode ("RPI-RP2"
// or "RP2350", recognised by its INFO_UF2.TXT). It finds mounted drives
// (Linux: /proc/mounts and /media/$USER, /run/media/$USER; macOS:
// /Volumes), resets a running board into BOOTSEL with the 1200-baud
// "touch" of its USB serial port (what rebar3 atomvm pico_flash and the
// Arduino core do), waits for the drive, copies the file, and takes the
// drive going away (the ROM rebooting into the new image) as the proof
// that the board accepted it. Install strings these together for the CLI
// and the dashboard.
package rp2
