// Package devices is the TUI's devices view: serial ports with their USB
// identity, board family, access and the node on each; enter connects to
// a board over its port, and the selected board's console (boot logs,
// io:format on the UART) shows below, its control characters made
// visible by devices.AppendVisible so that a board cannot drive the
// terminal. When its source is also a source.Flasher, f flashes the
// selected board (flash.go): a path prompt (tui/pathprompt), the plan
// with an options line of avmsh flash's flags toggled by keys
// (flashopts.go: --before, --after, --baud, and --erase-nvs/--erase-app
// for an AtomVM image, which also asks y/n), a progress bar (bubbles/progress)
// with bytes, rate and time left, then the verified result or the error
// with its step and port; esc cancels. It implements view.View.
package devices
