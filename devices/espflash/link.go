package espflash

import (
	"io"
)

// Link is the byte stream to a board's ROM loader: a serial port, or an
// in-process pipe to a simulator in tests. Read must return (with an
// error) once Close has been called.
type Link interface {
	io.ReadWriteCloser
	// SetDTR and SetRTS drive the modem-control lines (true: asserted).
	// A port without them (a pty) returns an error.
	SetDTR(on bool) error
	SetRTS(on bool) error
	// SetBaud changes the host side's line speed.
	SetBaud(baud int) error
}
