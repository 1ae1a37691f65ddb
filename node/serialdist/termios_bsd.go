//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package serialdist

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)

// Holders lists the processes that have path open; it is not
// implemented on BSD systems and macOS (lsof would tell) and returns nil.
func Holders(string) []string { return nil }
