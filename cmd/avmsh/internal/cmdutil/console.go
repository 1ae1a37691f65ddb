package cmdutil

import (
	"io"
	"sync"

	"github.com/avmsh/avmsh/devices"
)

// ConsoleWriter is where a command's node prints the console text of
// its serial ports (boot logs, io:format on the UART): w, through
// devices.VisibleWriter, so that a board or noise on the line cannot
// drive the terminal (ESC shows as ^[, BEL as ^G, bytes that are not
// UTF-8 as \xNN). Every command's node uses it (see NodeConfig); raw
// passes the bytes on as they came (`serve --raw`). `avmsh monitor`,
// a terminal on the board, passes them on by default and shows them
// visibly with --safe. The writer is safe for concurrent use; Flush
// prints a character still held back (localnode's Stop calls it).
func ConsoleWriter(w io.Writer, raw bool) io.Writer {
	if raw {
		return w
	}
	return &visibleConsole{v: devices.NewVisibleWriter(w)}
}

// visibleConsole serialises writes to a devices.VisibleWriter (the
// console copiers of several ports share it).
type visibleConsole struct {
	mu sync.Mutex
	v  *devices.VisibleWriter
}

func (c *visibleConsole) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v.Write(p)
}

// Flush prints what the visible writer holds back (a CR whose LF may
// follow, an incomplete UTF-8 sequence).
func (c *visibleConsole) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v.Flush()
}
