// Package devices is the TUI's devices view: serial ports with their USB
// identity, board family, access and the node on each; enter connects to
// a board over its port, and the selected board's console (boot logs,
// io:format on the UART) shows below, its control characters made
// visible by devices.AppendVisible so that a board cannot drive the
// terminal. It implements view.View.
package devices
