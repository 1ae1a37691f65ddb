//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package lineedit

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// startFilePump reads the terminal fd with poll(2) on it and on a
// private pipe, so that stop can end the goroutine even while nothing is
// typed (a plain read on a terminal cannot be interrupted).
func startFilePump(fd int) (*pump, error) {
	var pp [2]int
	if err := unix.Pipe(pp[:]); err != nil {
		return nil, fmt.Errorf("line editor: make the wake-up pipe: %w", err)
	}
	unix.CloseOnExec(pp[0])
	unix.CloseOnExec(pp[1])
	p := &pump{ch: make(chan []byte, 64), done: make(chan struct{})}
	p.wake = func() { _, _ = unix.Write(pp[1], []byte{0}) }
	p.release = func() { _ = unix.Close(pp[0]); _ = unix.Close(pp[1]) }
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.ch)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(pp[0]), Events: unix.POLLIN}}
		for {
			fds[0].Revents, fds[1].Revents = 0, 0
			if _, err := unix.Poll(fds, -1); err != nil {
				if errors.Is(err, unix.EINTR) {
					continue
				}
				p.err = fmt.Errorf("line editor: poll the terminal: %w", err)
				return
			}
			if fds[1].Revents != 0 {
				return // stop
			}
			if fds[0].Revents&unix.POLLNVAL != 0 {
				p.err = io.EOF
				return
			}
			if fds[0].Revents == 0 {
				continue
			}
			buf := make([]byte, 512)
			n, err := unix.Read(fd, buf)
			switch {
			case n > 0:
				p.read.Add(int64(n))
				if !p.send(buf[:n]) {
					return
				}
			case err != nil && (errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN)):
			case err != nil:
				p.err = fmt.Errorf("line editor: read the terminal: %w", err)
				return
			default: // n == 0: end of input
				p.err = io.EOF
				return
			}
		}
	}()
	return p, nil
}
