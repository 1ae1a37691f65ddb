//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package lineedit

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// CtrlGSignals makes Ctrl-G, typed while no read is on screen (while a
// command runs the terminal is in its normal mode), a SIGQUIT from the
// terminal itself (its quit character, Ctrl-\ by default), so that the
// shell can open its job-control menu during an evaluation, as erl's
// Ctrl-G does. restore puts the old quit character back. Without a
// terminal it does nothing.
func (e *Editor) CtrlGSignals() (restore func(), err error) {
	if !e.tty {
		return func() {}, nil
	}
	t, err := unix.IoctlGetTermios(e.fd, ioctlGetTermios)
	if err != nil {
		return nil, fmt.Errorf("line editor: read the terminal's settings: %w", err)
	}
	old := t.Cc[unix.VQUIT]
	t.Cc[unix.VQUIT] = ctrlG
	if err := unix.IoctlSetTermios(e.fd, ioctlSetTermios, t); err != nil {
		return nil, fmt.Errorf("line editor: set the terminal's quit character: %w", err)
	}
	return func() {
		if t, err := unix.IoctlGetTermios(e.fd, ioctlGetTermios); err == nil {
			t.Cc[unix.VQUIT] = old
			_ = unix.IoctlSetTermios(e.fd, ioctlSetTermios, t)
		}
	}, nil
}
