//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package devices

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/node/serialdist"
)

// checkAccess tells, without opening the port (opening toggles DTR/RTS
// and can reset a board), whether avmsh may use it.
func checkAccess(path string) (Access, string) {
	if path == "" {
		return AccessUnknown, ""
	}
	if err := unix.Access(path, unix.R_OK|unix.W_OK); err != nil {
		return AccessDenied, serialdist.PermissionAdvice(path)
	}
	if hs := serialdist.Holders(path); len(hs) > 0 {
		return AccessBusy, fmt.Sprintf("open in %s", strings.Join(hs, ", "))
	}
	return AccessOK, ""
}
