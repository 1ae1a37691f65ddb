// Package flashrec records verified flashes in the fleet store
// (devices/fleet). It is the one place where what a flasher wrote — an
// espflash.Result, a UF2 a Pico took — becomes fleet.FlashRecords, where
// the board's identity in the fleet is worked out from its USB device,
// and where the AtomVM version of a firmware image is read. `avmsh
// flash`, `avmsh load --persist` and the dashboard call it after a
// verified write, and only then: a failed or unverified write is never
// recorded.
//
// A flash that wrote AtomVM and an application in one go gives two
// records, firmware first, so that the board's last flash is the
// application; each record carries the chip and, for ESP boards, the
// partition table as it is after the write.
package flashrec
