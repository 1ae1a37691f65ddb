package epmd

import "syscall"

// listenControl sets TCP_DEFER_ACCEPT on listening sockets: the kernel
// hands a connection to accept only once its first bytes have arrived
// (every epmd client speaks first), so the request can be read without
// waiting, and clients that connect and stay silent are held by the
// kernel rather than by a server goroutine.
func listenControl(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
