// Package espsim is a test-only simulator of an ESP32-family board's
// serial ROM loader and flasher stub, for proving avmsh's flasher
// without hardware (and proven itself against Espressif's esptool-js).
//
// A Sim holds a flash array (with an AtomVM partition table written at
// 0x8000), the chip-id registers (magic register, GET_SECURITY_INFO),
// the eFuse words of the MAC, and the SPI1 user-command registers that
// answer the flash's RDID. It speaks the protocol of Espressif's
// serial-protocol.rst: SLIP frames, SYNC (answered eight times by the
// ROM), READ_REG/WRITE_REG, SPI_ATTACH, SPI_SET_PARAMS, MEM_BEGIN/
// MEM_DATA/MEM_END (the stub is not run: after MEM_END with an entry
// point the simulator says "OHAI" and behaves as the stub: 2-byte
// status, READ_FLASH, raw MD5, 16 KiB blocks), FLASH_BEGIN/DATA/END,
// FLASH_DEFL_BEGIN/DATA/END (inflated on the fly; writes only clear
// bits, as NOR flash does, after the erase), SPI_FLASH_MD5,
// CHANGE_BAUDRATE and ERASE_REGION.
//
// The modem lines are modelled as the boards' circuits wire them
// (classic: RTS drives EN and DTR drives IO0 through two transistors;
// USB-Serial/JTAG: the controller decodes the same lines), so a reset
// sequence sent through an in-process Link is visible and decides
// whether the chip boots into the loader or into its application. On a
// pty the lines do not exist: start the simulator in the loader.
//
// Optional pacing delivers bytes at the line rate (baud/10 bytes per
// second in each direction) so benchmarks measure against a real
// UART's speed. Faults (corrupted or shortened answers, a port that
// vanishes) are injected through Config.Faults.
package espsim
