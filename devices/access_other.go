//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package devices

// checkAccess cannot tell without opening the port on this system.
func checkAccess(string) (Access, string, []string) { return AccessUnknown, "", nil }
