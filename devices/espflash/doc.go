// Package espflash is avmsh's client of the ESP32 family's serial ROM
// loader (Espressif's esptool documentation, "Serial Protocol"), used by
// `avmsh flash`, `avmsh devices --deep` and the dashboard alike:
//
//   - SLIP framing and the request/response protocol over any Link (a
//     serial port from OpenSerial, or an in-process pipe in tests), one
//     reader goroutine, context-aware commands, status bytes of the ROM
//     (4) and of the stub (2) read at the right place, errors that name
//     the port and the step (Error);
//   - Connect: the reset into the loader (devices.BootloaderAttempt:
//     classic, unix tight, USB-Serial/JTAG), SYNC, chip detection
//     (GET_SECURITY_INFO's chip id, else the magic register), the MAC
//     from eFuses, Espressif's flasher stub uploaded with MEM_BEGIN/
//     MEM_DATA/MEM_END (until it says OHAI), CHANGE_BAUDRATE, and the
//     flash size from the flash's JEDEC id read through the SPI1
//     registers;
//   - ReadFlash (the stub's READ_FLASH with acknowledgements and a final
//     MD5), MD5 and pipelined per-sector MD5s, WriteCompressed
//     (FLASH_DEFL_BEGIN/DATA/END);
//   - Run: a Job (an .avm into the partition found by label in the
//     board's own partition table, and/or an AtomVM firmware image at
//     the chip's bootloader offset, keeping NVS and the application
//     unless told otherwise), or a Rebuild of the .avm on the board
//     (read as far as the pack goes, rebuilt by the caller: `avmsh load
//     --persist`), writing only the 4 KiB sectors that differ,
//     verifying with the loader's MD5, then resetting into the
//     application; progress through a callback;
//   - the partition table (ParsePartitionTable), the .avm header
//     (CheckAVM) and the chip id of firmware images (CheckImageChip).
//
// The stub images are Espressif's esp-flasher-stub as embedded in
// tinygo.org/x/espflasher (see stubs.go); the protocol, the transport,
// pacing and error reporting are this package's own. Tests run against
// internal/espsim, which is itself checked against esptool-js.
package espflash
