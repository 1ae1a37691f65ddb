//go:build !linux

package epmd

import "syscall"

// listenControl has nothing to set outside Linux.
func listenControl(network, address string, c syscall.RawConn) error { return nil }
