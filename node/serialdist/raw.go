package serialdist

import (
	"errors"
	"io"

	"go.bug.st/serial"
)

// RawPort is a serial device opened exclusively (the same lock and the
// same errors as Open) but without the port machinery: no reader, no
// framing, no console. Flashing tools that speak their own protocol on
// the line (the ESP ROM loader) use it.
type RawPort struct {
	serial.Port
	name string
	lock io.Closer
	mode *serial.Mode
}

// OpenRaw opens the device of addr with its line settings.
func OpenRaw(addr Address) (*RawPort, error) {
	dev, lock, err := openDevice(addr)
	if err != nil {
		return nil, err
	}
	sp, ok := dev.(serial.Port)
	if !ok { // openDevice always returns a serial.Port
		dev.Close()
		return nil, errors.New("serial: unexpected device type")
	}
	return &RawPort{Port: sp, name: addr.Device, lock: lock, mode: serialMode(addr.Options)}, nil
}

// Name is the device path.
func (p *RawPort) Name() string { return p.name }

// SetBaud changes the line speed, keeping the other settings.
func (p *RawPort) SetBaud(baud int) error {
	m := *p.mode
	m.BaudRate = baud
	m.InitialStatusBits = nil
	if err := p.Port.SetMode(&m); err != nil {
		return err
	}
	p.mode = &m
	return nil
}

// Close closes the device and releases its lock.
func (p *RawPort) Close() error {
	err := p.Port.Close()
	if p.lock != nil {
		p.lock.Close()
	}
	return err
}
