//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package serialdist

import (
	"errors"

	"golang.org/x/sys/unix"
)

// SetLines sets DTR and RTS in one TIOCMSET, as esptool's "unix tight"
// reset does (two separate changes pass through a state that resets
// some boards).
func (p *RawPort) SetLines(dtr, rts bool) error {
	lf, ok := p.lock.(*lockFile)
	if !ok || lf.fd < 0 {
		return errors.New("no descriptor for TIOCMSET")
	}
	v, err := unix.IoctlGetInt(lf.fd, unix.TIOCMGET)
	if err != nil {
		return err
	}
	v &^= unix.TIOCM_DTR | unix.TIOCM_RTS
	if dtr {
		v |= unix.TIOCM_DTR
	}
	if rts {
		v |= unix.TIOCM_RTS
	}
	return unix.IoctlSetPointerInt(lf.fd, unix.TIOCMSET, v)
}
