package serialdist

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)

// Holders lists the processes (other than us) that have path open, as
// "minicom (pid 1234)", by reading /proc. It returns at most three and
// gives up quietly where /proc hides other users' processes.
func Holders(path string) []string {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		target = path
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []string
	for _, pe := range procs {
		pid, err := strconv.Atoi(pe.Name())
		if err != nil || pid == self {
			continue
		}
		fdDir := filepath.Join("/proc", pe.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fe := range fds {
			l, err := os.Readlink(filepath.Join(fdDir, fe.Name()))
			if err != nil || l != target {
				continue
			}
			comm, _ := os.ReadFile(filepath.Join("/proc", pe.Name(), "comm"))
			name := strings.TrimSpace(string(comm))
			if name == "" {
				name = "a process"
			}
			out = append(out, fmt.Sprintf("%s (pid %d)", name, pid))
			break
		}
		if len(out) == 3 {
			break
		}
	}
	return out
}
