package devices

import (
	"sort"
	"strings"
)

// ResetStyle is how DTR/RTS reset a board.
type ResetStyle string

// Reset styles.
const (
	// ResetNone: the lines do not reset the board (USB CDC devices such
	// as the RP2040, or unknown adapters).
	ResetNone ResetStyle = "none"
	// ResetClassic: the two-transistor auto-reset circuit of ESP32
	// boards with a USB-UART bridge (RTS → EN, DTR → IO0).
	ResetClassic ResetStyle = "classic"
	// ResetUSBJTAG: Espressif's built-in USB-Serial/JTAG controller,
	// which maps DTR/RTS to reset and boot mode itself.
	ResetUSBJTAG ResetStyle = "usb-jtag"
)

// Board is one row of the USB device table.
type Board struct {
	VID, PID string // lower-case hex, 4 digits
	// Family groups the row: "ESP32", "RP2040/RP2350" or "USB-UART".
	Family string
	// Name describes the device as it presents itself.
	Name string
	// Chips lists the chips usually behind it.
	Chips string
	// Reset is the DTR/RTS reset circuit it usually has.
	Reset ResetStyle
	// Bootloader is set for ROM bootloader modes (no application runs,
	// so no AtomVM node can answer).
	Bootloader bool
	// NoSerial is set for devices that expose no serial port at all in
	// that mode (RP2 BOOTSEL: a USB drive).
	NoSerial bool
}

// boardTable is maintained by hand; keep it sorted by VID:PID.
var boardTable = []Board{
	{VID: "0403", PID: "6001", Family: "USB-UART", Name: "FTDI FT232R USB-UART bridge", Chips: "ESP32, ESP8266 on older boards", Reset: ResetClassic},
	{VID: "0403", PID: "6010", Family: "USB-UART", Name: "FTDI FT2232 dual USB-UART/JTAG (ESP-WROVER-KIT, ESP-Prog)", Chips: "ESP32", Reset: ResetClassic},
	{VID: "0403", PID: "6015", Family: "USB-UART", Name: "FTDI FT231X USB-UART bridge", Chips: "ESP32 (SparkFun, Adafruit boards)", Reset: ResetClassic},
	{VID: "10c4", PID: "ea60", Family: "USB-UART", Name: "Silicon Labs CP210x USB-UART bridge", Chips: "ESP32 DevKitC, NodeMCU, M5Stack", Reset: ResetClassic},
	{VID: "1a86", PID: "55d3", Family: "USB-UART", Name: "WCH CH343 USB-UART bridge", Chips: "ESP32-S3/C3 DevKits (UART port)", Reset: ResetClassic},
	{VID: "1a86", PID: "55d4", Family: "USB-UART", Name: "WCH CH9102 USB-UART bridge", Chips: "ESP32 DevKits (newer revisions), M5Stack", Reset: ResetClassic},
	{VID: "1a86", PID: "7523", Family: "USB-UART", Name: "WCH CH340 USB-UART bridge", Chips: "ESP32/ESP8266 clones, Wemos", Reset: ResetClassic},
	{VID: "2e8a", PID: "0003", Family: "RP2040/RP2350", Name: "Raspberry Pi RP2040 in BOOTSEL mode (USB drive RPI-RP2)", Chips: "RP2040 (Pico, Pico W)", Reset: ResetNone, Bootloader: true, NoSerial: true},
	{VID: "2e8a", PID: "0005", Family: "RP2040/RP2350", Name: "Raspberry Pi Pico running MicroPython (USB CDC)", Chips: "RP2040", Reset: ResetNone},
	{VID: "2e8a", PID: "0009", Family: "RP2040/RP2350", Name: "Raspberry Pi Pico SDK stdio USB (RP2350)", Chips: "RP2350 (Pico 2, Pico 2 W)", Reset: ResetNone},
	{VID: "2e8a", PID: "000a", Family: "RP2040/RP2350", Name: "Raspberry Pi Pico SDK stdio USB (RP2040)", Chips: "RP2040 (Pico, Pico W): AtomVM's console", Reset: ResetNone},
	{VID: "2e8a", PID: "000f", Family: "RP2040/RP2350", Name: "Raspberry Pi RP2350 in BOOTSEL mode (USB drive RP2350)", Chips: "RP2350 (Pico 2)", Reset: ResetNone, Bootloader: true, NoSerial: true},
	{VID: "303a", PID: "0002", Family: "ESP32", Name: "Espressif ESP32-S2/S3 native USB (ROM download mode or TinyUSB CDC)", Chips: "ESP32-S2, ESP32-S3", Reset: ResetNone},
	{VID: "303a", PID: "1001", Family: "ESP32", Name: "Espressif USB-Serial/JTAG (built-in)", Chips: "ESP32-C3, C5, C6, H2, P4, S3", Reset: ResetUSBJTAG},
	{VID: "303a", PID: "4001", Family: "ESP32", Name: "Espressif TinyUSB CDC device (native USB)", Chips: "ESP32-S2, ESP32-S3", Reset: ResetNone},
}

// LookupBoard finds the table row of a USB VID:PID (hex, any case, with
// or without a 0x prefix).
func LookupBoard(vid, pid string) (Board, bool) {
	v, p := normHex(vid), normHex(pid)
	i := sort.Search(len(boardTable), func(i int) bool {
		b := boardTable[i]
		return b.VID+b.PID >= v+p
	})
	if i < len(boardTable) && boardTable[i].VID == v && boardTable[i].PID == p {
		return boardTable[i], true
	}
	return Board{}, false
}

// Boards returns a copy of the table.
func Boards() []Board { return append([]Board(nil), boardTable...) }

// normHex lower-cases a hex id, strips 0x and pads it to 4 digits.
func normHex(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	for len(s) < 4 && s != "" {
		s = "0" + s
	}
	return s
}
