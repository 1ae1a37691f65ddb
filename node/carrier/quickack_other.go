//go:build !linux

package carrier

import "syscall"

// Only Linux has TCP_QUICKACK; elsewhere delayed ACKs stay as they are.
const quickAckSupported = false

func setQuickAck(syscall.RawConn) bool { return false }
