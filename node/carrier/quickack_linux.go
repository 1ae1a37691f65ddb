package carrier

import "syscall"

const quickAckSupported = true

// setQuickAck sets TCP_QUICKACK on the socket. The option is not
// sticky: the kernel goes back to delayed ACKs by itself, so it is set
// after every read. Setting it while an ACK is pending sends that ACK now
// (tcp(7)).
func setQuickAck(raw syscall.RawConn) bool {
	var serr error
	err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
	return err == nil && serr == nil
}
