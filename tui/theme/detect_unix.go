//go:build unix

package theme

import (
	"errors"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// ask writes the query to out and reads in's answer until the cursor
// position arrives or timeout passes. in stays in raw mode (no echo)
// until restore.
func ask(in, out *os.File, timeout time.Duration) (reply string, asked bool, restore func()) {
	restore = func() {}
	fd := int(in.Fd())
	if !term.IsTerminal(fd) || !term.IsTerminal(int(out.Fd())) {
		return "", false, restore
	}
	st, err := term.MakeRaw(fd)
	if err != nil {
		return "", false, restore
	}
	restore = func() { _ = term.Restore(fd, st) }
	if _, err := out.WriteString(Query); err != nil {
		return "", true, restore
	}
	var b strings.Builder
	buf := make([]byte, 64)
	deadline := time.Now().Add(timeout)
	for b.Len() < 256 {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 || fds[0].Revents&unix.POLLIN == 0 {
			break
		}
		k, err := unix.Read(fd, buf)
		if k > 0 {
			b.Write(buf[:k])
		}
		if err != nil || k == 0 || cursorReport(b.String()) {
			break
		}
	}
	return b.String(), true, restore
}
