// Package flashcmd implements `avmsh flash`: an AtomVM application
// (.avm) or AtomVM itself (--firmware) onto an ESP32-family board
// through its ROM loader (devices/espflash), or onto a Raspberry Pi
// Pico / Pico 2 as a UF2 copied to its BOOTSEL drive (devices/uf2,
// devices/rp2). The port is borrowed from whoever holds it in avmsh
// (serialdist.Borrow) and given back afterwards; --monitor goes on into
// the console.
package flashcmd
