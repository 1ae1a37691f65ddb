//go:build !linux

package epmd

import "net"

// serveListener accepts connections on l until it is closed.
func (s *Server) serveListener(l net.Listener) {
	defer s.wg.Done()
	s.acceptLoop(l)
}
