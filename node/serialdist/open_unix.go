//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package serialdist

import (
	"errors"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// lockFile is a second descriptor of the device that holds an advisory
// lock (flock) for as long as the port is open, so that two avmsh
// processes (or pyserial with exclusive=True) never share a port, even
// as root, where TIOCEXCL does not apply. Termios changes that
// go.bug.st/serial does not offer (flow control) go through it too.
type lockFile struct{ fd int }

// Close releases the lock and the descriptor.
func (l *lockFile) Close() error {
	if l.fd < 0 {
		return nil
	}
	_ = unix.Flock(l.fd, unix.LOCK_UN)
	err := unix.Close(l.fd)
	l.fd = -1
	return err
}

func lockDevice(path string) (io.Closer, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.EBUSY):
		return nil, fmt.Errorf("open %s: %w: %s", path, ErrPortBusy, busyAdvice(path))
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		return nil, fmt.Errorf("open %s: %w: %s", path, ErrPermission, PermissionAdvice(path))
	case errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ENODEV):
		return nil, fmt.Errorf("open %s: %w: is the board plugged in?", path, ErrPortNotFound)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("open %s: %w: %s", path, ErrPortBusy, busyAdvice(path))
		}
		return nil, fmt.Errorf("open %s: lock: %w", path, err)
	}
	return &lockFile{fd: fd}, nil
}

// applyFlow sets RTS/CTS or XON/XOFF, which go.bug.st/serial always
// clears. Termios settings belong to the device, so the lock descriptor
// can change them.
func applyFlow(lock io.Closer, _ serial.Port, f Flow) error {
	if f == FlowNone {
		return nil
	}
	lf, ok := lock.(*lockFile)
	if !ok || lf.fd < 0 {
		return errors.New("no descriptor to configure")
	}
	t, err := unix.IoctlGetTermios(lf.fd, ioctlGetTermios)
	if err != nil {
		return err
	}
	switch f {
	case FlowHardware:
		t.Cflag |= unix.CRTSCTS
	case FlowSoftware:
		t.Iflag |= unix.IXON | unix.IXOFF
	}
	return unix.IoctlSetTermios(lf.fd, ioctlSetTermios, t)
}

func isWindowsName(string) bool { return false }

// PermissionAdvice says how to get access to the device: on Unix it
// names the group that owns it (dialout, uucp) and the command to join it.
func PermissionAdvice(path string) string {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return "check the permissions of the device"
	}
	gid := strconv.FormatUint(uint64(st.Gid), 10)
	group := "gid " + gid
	if g, err := user.LookupGroupId(gid); err == nil {
		group = g.Name
	}
	if st.Mode&0o060 == 0 {
		return fmt.Sprintf("the device is not readable and writable by its group %s; fix its mode (a udev rule) or run with more privileges", group)
	}
	return fmt.Sprintf("the device belongs to group %q: add your user to it (sudo usermod -aG %s $USER) and log in again, or run 'newgrp %s'", group, group, group)
}

// busyAdvice names the processes that hold the device, where the system
// lets us see them.
func busyAdvice(path string) string {
	hs := Holders(path)
	if len(hs) == 0 {
		return "another program has it open (idf.py monitor, screen, minicom, another avmsh?); close it and try again"
	}
	return fmt.Sprintf("it is open in %s; close it and try again", strings.Join(hs, ", "))
}
