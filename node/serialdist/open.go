package serialdist

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.bug.st/serial"
)

// Errors of Open, wrapped with the device name and advice.
var (
	// ErrPortNotFound: the device does not exist.
	ErrPortNotFound = errors.New("serial port not found")
	// ErrPortBusy: another program has the device open.
	ErrPortBusy = errors.New("serial port busy")
	// ErrPermission: the user may not open the device.
	ErrPermission = errors.New("permission denied")
)

// Open opens the device of addr with its line settings (exclusively: a
// second Open of the same device, by this or another program that also
// locks, fails with ErrPortBusy) and starts the port machinery.
func Open(addr Address, cfg PortConfig) (*Port, error) {
	dev, extra, err := openDevice(addr)
	if err != nil {
		return nil, err
	}
	return newPort(dev, addr.Device, addr.Options.normalized(), cfg, extra), nil
}

// OpenAddress parses s (see ParseAddress) and opens it.
func OpenAddress(s string, cfg PortConfig) (*Port, error) {
	a, err := ParseAddress(s)
	if err != nil {
		return nil, err
	}
	return Open(a, cfg)
}

// serialMode translates Options for go.bug.st/serial.
func serialMode(o Options) *serial.Mode {
	o = o.normalized()
	m := &serial.Mode{BaudRate: o.Baud, DataBits: o.DataBits}
	if o.DTR == LineOff || o.RTS == LineOff {
		// Only touch the modem lines when asked: opening asserts both
		// anyway, and ptys (socat, tests) have no modem lines at all.
		m.InitialStatusBits = &serial.ModemOutputBits{DTR: o.DTR.on(), RTS: o.RTS.on()}
	}
	switch o.Parity {
	case ParityOdd:
		m.Parity = serial.OddParity
	case ParityEven:
		m.Parity = serial.EvenParity
	case ParityMark:
		m.Parity = serial.MarkParity
	case ParitySpace:
		m.Parity = serial.SpaceParity
	default:
		m.Parity = serial.NoParity
	}
	switch o.StopBits {
	case StopBits1Half:
		m.StopBits = serial.OnePointFiveStopBits
	case StopBits2:
		m.StopBits = serial.TwoStopBits
	default:
		m.StopBits = serial.OneStopBit
	}
	return m
}

// openDevice opens the device, takes the platform's exclusive lock and
// applies flow control.
func openDevice(addr Address) (io.ReadWriteCloser, io.Closer, error) {
	path := addr.Device
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !isWindowsName(path) {
		return nil, nil, fmt.Errorf("open %s: %w: no such device; is the board plugged in?", path, ErrPortNotFound)
	}
	lock, err := lockDevice(path)
	if err != nil {
		return nil, nil, err
	}
	sp, err := serial.Open(path, serialMode(addr.Options))
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, nil, explainOpenError(path, err)
	}
	if err := applyFlow(lock, sp, addr.Flow); err != nil {
		sp.Close()
		if lock != nil {
			lock.Close()
		}
		return nil, nil, fmt.Errorf("open %s: set flow control %s: %w", path, addr.Flow, err)
	}
	return sp, lock, nil
}

// explainOpenError turns go.bug.st/serial's errors into ones that say
// what to do.
func explainOpenError(path string, err error) error {
	var pe *serial.PortError
	code := serial.PortErrorCode(-1)
	if errors.As(err, &pe) {
		code = pe.Code()
	} else {
		var pv serial.PortError
		if errors.As(err, &pv) {
			code = pv.Code()
		}
	}
	switch {
	case code == serial.PortBusy:
		return fmt.Errorf("open %s: %w: %s", path, ErrPortBusy, busyAdvice(path))
	case code == serial.PermissionDenied || errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("open %s: %w: %s", path, ErrPermission, PermissionAdvice(path))
	case code == serial.PortNotFound || errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open %s: %w: is the board plugged in?", path, ErrPortNotFound)
	case code == serial.InvalidSpeed:
		return fmt.Errorf("open %s: the speed is not supported by this port or driver: %w", path, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Classify tells which of ErrPortNotFound, ErrPortBusy and ErrPermission
// err is, or nil.
func Classify(err error) error {
	for _, e := range []error{ErrPortNotFound, ErrPortBusy, ErrPermission} {
		if errors.Is(err, e) {
			return e
		}
	}
	return nil
}
