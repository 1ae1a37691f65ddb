package espflash

import (
	"fmt"
	"strings"
)

// Chip describes one ESP chip family: how the ROM loader identifies it
// and where its registers are. Values are those of Espressif's esptool
// targets (esptool/targets/*.py), which its documentation refers to.
type Chip struct {
	// Name as Espressif writes it: "ESP32", "ESP32-S3".
	Name string
	// ID is the chip id of GET_SECURITY_INFO and of the image header
	// (ESP32 0, S2 2, C3 5, S3 9, C2 12, C6 13, H2 16, P4 18, C5 23).
	ID uint16
	// Magic is the value of the register at 0x40001000 for chips that
	// are told apart by it (ESP32, ESP32-S2); 0 otherwise.
	Magic uint32
	// BootloaderOffset is where the second-stage bootloader, and so a
	// whole firmware image, starts in flash.
	BootloaderOffset uint32
	// ROMEncryptedFlag: the ROM's FLASH_BEGIN takes a fifth word (not
	// on ESP32).
	ROMEncryptedFlag bool
	// SPI1 registers for a user command (flash id): base and offsets.
	SPIBase, SPIUSR, SPIUSR1, SPIUSR2, SPIW0 uint32
	// SPIMOSIDLen/SPIMISODLen are the data-length registers of chips
	// that have them (0 on ESP32, which uses USR1 fields).
	SPIMOSIDLen, SPIMISODLen uint32
	// MACReg is the first of the two eFuse words holding the MAC.
	MACReg uint32
	// stub is the name of the stub image (tinygo.org/x/espflasher).
	stub string
}

// Chips known to the loader, in the order of their ids.
var chips = []Chip{
	{Name: "ESP32", ID: 0, Magic: 0x00F01D83, BootloaderOffset: 0x1000,
		SPIBase: 0x3FF42000, SPIUSR: 0x1C, SPIUSR1: 0x20, SPIUSR2: 0x24, SPIW0: 0x80,
		MACReg: 0x3FF5A004, stub: "esp32"},
	{Name: "ESP32-S2", ID: 2, Magic: 0x000007C6, BootloaderOffset: 0x1000, ROMEncryptedFlag: true,
		SPIBase: 0x3F402000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x3F41A044, stub: "esp32s2"},
	{Name: "ESP32-C3", ID: 5, BootloaderOffset: 0x0, ROMEncryptedFlag: true,
		SPIBase: 0x60002000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x60008844, stub: "esp32c3"},
	{Name: "ESP32-S3", ID: 9, BootloaderOffset: 0x0, ROMEncryptedFlag: true,
		SPIBase: 0x60002000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x60007044, stub: "esp32s3"},
	{Name: "ESP32-C2", ID: 12, BootloaderOffset: 0x0, ROMEncryptedFlag: true,
		SPIBase: 0x60002000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x60008840, stub: "esp32c2"},
	{Name: "ESP32-C6", ID: 13, BootloaderOffset: 0x0, ROMEncryptedFlag: true,
		SPIBase: 0x60003000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x600B0844, stub: "esp32c6"},
	{Name: "ESP32-H2", ID: 16, BootloaderOffset: 0x0, ROMEncryptedFlag: true,
		SPIBase: 0x60003000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x600B0844, stub: "esp32h2"},
	{Name: "ESP32-P4", ID: 18, BootloaderOffset: 0x2000, ROMEncryptedFlag: true,
		SPIBase: 0x5008D000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x5012D044},
	{Name: "ESP32-C5", ID: 23, BootloaderOffset: 0x2000, ROMEncryptedFlag: true,
		SPIBase: 0x60003000, SPIUSR: 0x18, SPIUSR1: 0x1C, SPIUSR2: 0x20, SPIW0: 0x58, SPIMOSIDLen: 0x24, SPIMISODLen: 0x28,
		MACReg: 0x600B4844, stub: "esp32c5"},
}

// magicReg is read to tell ESP32 and ESP32-S2 apart (and from ESP8266,
// 0xFFF0C101, which AtomVM does not support).
const magicReg = 0x40001000

// Chips returns the chip table.
func Chips() []Chip { return append([]Chip(nil), chips...) }

// ChipByID finds a chip by its GET_SECURITY_INFO / image-header id.
func ChipByID(id uint16) (Chip, bool) {
	for _, c := range chips {
		if c.ID == id {
			return c, true
		}
	}
	return Chip{}, false
}

// ChipByMagic finds a chip by the value of the magic register.
func ChipByMagic(v uint32) (Chip, bool) {
	for _, c := range chips {
		if c.Magic != 0 && c.Magic == v {
			return c, true
		}
	}
	return Chip{}, false
}

// ChipByName finds a chip by name, ignoring case and dashes
// ("esp32s3", "ESP32-S3").
func ChipByName(name string) (Chip, bool) {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "")) }
	for _, c := range chips {
		if norm(c.Name) == norm(name) {
			return c, true
		}
	}
	return Chip{}, false
}

// ChipNames lists the names of the known chips.
func ChipNames() []string {
	out := make([]string, len(chips))
	for i, c := range chips {
		out[i] = c.Name
	}
	return out
}

// String is the chip's name.
func (c Chip) String() string {
	if c.Name == "" {
		return fmt.Sprintf("chip id %d", c.ID)
	}
	return c.Name
}
