//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package devices

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/node/serialdist"
)

// checkAccess tells, without opening the port (opening toggles DTR/RTS
// and can reset a board), whether avmsh may use it, and which other
// processes have it open. A port is busy only when one of them holds a
// lock on it, as opening would then fail; a port merely open elsewhere
// (socat's end of a pty) opens fine.
func checkAccess(path string) (Access, string, []string) {
	if path == "" {
		return AccessUnknown, "", nil
	}
	if err := unix.Access(path, unix.R_OK|unix.W_OK); err != nil {
		return AccessDenied, serialdist.PermissionAdvice(path), nil
	}
	// Locks first, then the holders: a process that took its lock has
	// the port open from before, so it is among the holders scanned after
	// (the other order missed a lock taken between the two scans, and
	// named whoever else had the port open).
	pids := lockers(path)
	hs := serialdist.Holders(path)
	if len(pids) > 0 {
		who := lockHolders(hs, pids)
		if len(who) == 0 {
			who = []string{"another process"}
		}
		return AccessBusy, fmt.Sprintf("locked by %s; close it and try again", strings.Join(who, ", ")), hs
	}
	return AccessOK, "", hs
}

// lockHolders picks the holders ("name (pid N)") that hold the locks;
// all of them when none matches (an OFD lock names no pid).
func lockHolders(holders []string, pids []int) []string {
	var out []string
	for _, h := range holders {
		for _, pid := range pids {
			if strings.HasSuffix(h, fmt.Sprintf(" (pid %d)", pid)) {
				out = append(out, h)
				break
			}
		}
	}
	if len(out) == 0 {
		return holders
	}
	return out
}
