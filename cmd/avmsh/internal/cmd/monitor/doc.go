// Package monitorcmd implements `avmsh monitor PORT`, a serial monitor in
// the style of idf.py monitor: the board's console output, live, with
// optional timestamps and a log file; keyboard input sent to the board;
// DTR/RTS resets (ESP32 classic auto-reset and USB-Serial/JTAG) from a
// flag or a key; reconnection when a board re-enumerates. Distribution
// frames on the port are recognised and hidden rather than printed as
// garbage.
package monitorcmd
