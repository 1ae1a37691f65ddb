// Package devices is the TUI's devices view: serial ports with their
// USB identity and the board family, whether avmsh can open them, and
// the node on each once connected; enter connects to the board as a
// node (serial:PORT). Flashing will be one more action on this view.
package devices
