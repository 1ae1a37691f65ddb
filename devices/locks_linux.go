package devices

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockers returns the pids that hold a lock on the file at path (flock,
// POSIX or open-file-description locks, as /proc/locks lists them; an
// OFD lock has pid -1), or nil when it is not locked. avmsh, pyserial's
// exclusive mode and lock-taking terminal programs lock the ports they
// open; a program that merely has a port open (socat holding both ends
// of a pty, ModemManager probing) does not, and does not stop avmsh
// from opening it.
func lockers(path string) []int {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer f.Close()
	// Each line ends "... PID MAJOR:MINOR:INODE START END", the device
	// of the file's file system in hex (fs/locks.c, lock_get_status).
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
	var pids []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i := 1; i < len(fields); i++ {
			if fields[i] == want {
				pid, err := strconv.Atoi(fields[i-1])
				if err != nil {
					pid = -1
				}
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
