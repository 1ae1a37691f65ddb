//go:build linux

package epmd

import (
	"bytes"
	"errors"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// serveListener accepts connections on l until it is closed.
//
// On a TCP listener it accepts raw sockets and answers PORT_PLEASE2 and
// NAMES, the requests every node makes, right on the accepting
// goroutine: read, answer, close, as OTP's epmd does from its select()
// loop, without registering the socket with the net package's poller or
// starting a goroutine. Everything else (ALIVE2, admin requests, a
// request not complete yet, an answer that does not fit in the socket
// buffer) is handed to a goroutine as a net.Conn.
func (s *Server) serveListener(l net.Listener) {
	defer s.wg.Done()
	tl, ok := l.(*net.TCPListener)
	if !ok || s.netAccept {
		s.acceptLoop(l)
		return
	}
	// A listener's own RawConn cannot wait for readability; a duplicate
	// descriptor as an *os.File can. stop closes it with the listener.
	f, err := tl.File()
	if err != nil {
		s.log.Debug("epmd: no raw accept; using net.Listener", "err", err)
		s.acceptLoop(l)
		return
	}
	if !s.adopt(f) {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		s.acceptLoop(l)
		return
	}
	in, out := new([inbufSize]byte), new([inbufSize]byte)
	var backoff time.Duration
	for {
		var nfd int
		var aerr error
		err := rc.Read(func(fd uintptr) bool {
			nfd, aerr = rawAccept(int(fd))
			return aerr != syscall.EAGAIN
		})
		if err != nil {
			s.log.Debug("epmd: accept loop ends", "addr", l.Addr().String(), "err", err)
			return // listener closed
		}
		switch {
		case aerr == nil:
			backoff = 0
			s.serveFD(nfd, in, out)
		case aerr == syscall.ECONNABORTED || aerr == syscall.EINTR:
		default:
			if !s.acceptBackoff(&backoff, l.Addr(), aerr) {
				return
			}
		}
	}
}

// The fast path's system calls are raw: the socket is non-blocking, so
// none of them can block, and skipping the runtime's syscall bookkeeping
// keeps the scheduler from handing the P to another thread each time
// (on a VM that thread switch costs more than the call itself).

func rawAccept(lfd int) (int, error) {
	fd, _, e := syscall.RawSyscall6(syscall.SYS_ACCEPT4, uintptr(lfd), 0, 0, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func rawRead(fd int, b []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

func rawClose(fd int) {
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0)
}

// fdPeer gives a raw socket's peer address to connLog, asking the
// kernel only when a log line is written.
type fdPeer struct{ fd int }

func (p fdPeer) RemoteAddr() net.Addr {
	sa, err := syscall.Getpeername(p.fd)
	if err != nil {
		return &net.TCPAddr{}
	}
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return &net.TCPAddr{}
}

// serveFD serves one accepted socket: answered here when possible,
// otherwise handed to a goroutine.
func (s *Server) serveFD(fd int, in, out *[inbufSize]byte) {
	peer := fdPeer{fd}
	if !s.acquire(func() string { return peer.RemoteAddr().String() }) {
		rawClose(fd)
		return
	}
	id := s.nextID.Add(1)
	log := connLog{s.log, peer, id}
	drop := func() {
		rawClose(fd)
		<-s.sem
	}
	// TCP_DEFER_ACCEPT makes the request usually be there already.
	n, err := rawRead(fd, in[:inbufSize-1])
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		n = 0
	case err != nil:
		log.Debug("epmd: read failed", "err", err)
		drop()
		return
	case n == 0: // closed without a request
		drop()
		return
	default:
		want, ok := frameSize(in[:n], log)
		if !ok {
			drop()
			return
		}
		if want == n {
			req, err := ParseRequest(in[2:n])
			if err != nil {
				log.Debug("epmd: malformed request", "err", err)
				drop()
				return
			}
			var resp []byte
			switch r := req.(type) {
			case *PortRequest:
				resp = s.portAnswer(out[:0], r.Name, log)
			case *NamesRequest:
				resp = s.namesAnswer(log)
			}
			if resp != nil {
				w, err := rawWrite(fd, resp)
				if err == nil && w == len(resp) {
					drop() // done: the normal path for a lookup
					return
				}
				if err != nil && err != syscall.EAGAIN && err != syscall.EINTR {
					log.Debug("epmd: could not send the answer", "err", err)
					drop()
					return
				}
				s.finishWrite(fd, bytes.Clone(resp[max(w, 0):]), id, log)
				return
			}
		}
	}
	c, err := fdConn(fd)
	if err != nil {
		log.Warn("epmd: cannot hand a connection over", "err", err)
		<-s.sem
		return
	}
	s.admit(c, bytes.Clone(in[:n]), id)
}

// fdConn turns a raw socket into a net.Conn; fd is closed either way.
func fdConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "epmd-conn")
	if f == nil {
		_ = syscall.Close(fd)
		return nil, errors.New("invalid socket")
	}
	defer f.Close()
	return net.FileConn(f)
}

// finishWrite sends the rest of an answer that did not fit in the socket
// buffer, in a goroutine, within PacketTimeout.
func (s *Server) finishWrite(fd int, rest []byte, id uint64, log logger) {
	c, err := fdConn(fd)
	if err != nil {
		log.Warn("epmd: cannot hand a connection over", "err", err)
		<-s.sem
		return
	}
	sc := &srvConn{Conn: c, id: id}
	if !s.track(sc) {
		<-s.sem
		_ = c.Close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.untrack(sc)
		_ = c.SetDeadline(time.Now().Add(s.cfg.PacketTimeout))
		if _, err := c.Write(rest); err != nil {
			log.Debug("epmd: could not send the answer", "err", err)
		}
	}()
}
