package epmd

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"
)

// srvConn is one accepted connection.
type srvConn struct {
	net.Conn
	id    uint64
	local bool // from this host (may register, dump, kill, stop)
}

// handle reads one request (pre holds bytes already read from c),
// answers it and closes the connection, or, for a successful ALIVE2,
// holds the connection as the registration.
func (s *Server) handle(c *srvConn, pre []byte) {
	defer s.wg.Done()
	defer s.untrack(c)
	log := connLog{s.log, c, c.id}
	buf := s.bufs.Get().(*[inbufSize]byte)
	defer s.bufs.Put(buf)
	// One deadline for the whole exchange: a client that dribbles bytes
	// cannot hold the connection longer than PacketTimeout.
	_ = c.SetDeadline(time.Now().Add(s.cfg.PacketTimeout))
	got, want := copy(buf[:inbufSize-1], pre), 0
	for {
		var ok bool
		if want, ok = frameSize(buf[:got], log); !ok {
			return
		}
		if want > 0 && got == want {
			break
		}
		limit := want
		if limit == 0 {
			limit = inbufSize - 1
		}
		n, err := c.Read(buf[got:limit])
		got += n
		if err != nil {
			if got > 0 || !errors.Is(err, io.EOF) {
				log.Debug("epmd: dropping connection before a complete request", "got", got, "want", want, "err", err)
			}
			return
		}
	}
	req, err := ParseRequest(buf[2:got])
	if err != nil {
		log.Debug("epmd: malformed request", "err", err)
		return
	}
	s.dispatch(c, req, log)
}

// frameSize returns the size of the request in b including its 2-byte
// length (0 while unknown), or false when the connection must be
// dropped: a length OTP's epmd would refuse, or more bytes than the
// request holds.
func frameSize(b []byte, log logger) (int, bool) {
	if len(b) < 2 {
		return 0, true
	}
	want := int(binary.BigEndian.Uint16(b)) + 2
	if want < 3 || want >= inbufSize {
		log.Debug("epmd: invalid packet size", "size", want-2)
		return 0, false
	}
	if len(b) > want {
		log.Debug("epmd: more bytes than the request holds", "got", len(b)-2, "want", want-2)
		return 0, false
	}
	return want, true
}

func (s *Server) dispatch(c *srvConn, req Request, log logger) {
	switch r := req.(type) {
	case *AliveRequest:
		s.alive(c, r, log)
	case *PortRequest:
		s.portPlease(c, r, log)
	case *NamesRequest:
		s.names(c, log)
	case *DumpRequest:
		if !c.local {
			log.Warn("epmd: DUMP_REQ from a non-local address refused")
			return
		}
		s.dump(c, log)
	case *KillRequest:
		s.kill(c, log)
	case *StopRequest:
		s.stopName(c, r, log)
	}
}

func (s *Server) reply(c *srvConn, b []byte, log logger) bool {
	if _, err := c.Write(b); err != nil {
		log.Debug("epmd: could not send the answer", "err", err)
		return false
	}
	return true
}

func (s *Server) alive(c *srvConn, r *AliveRequest, log logger) {
	if !c.local {
		log.Warn("epmd: ALIVE2_REQ from a non-local address refused", "name", r.Name)
		return
	}
	n, reason := s.reg.register(r.NodeInfo, c, c.id, c.RemoteAddr().String())
	cr, result := uint32(99), byte(1)
	if n != nil {
		cr, result = creation(n.cr, r.HighestVersion), 0
	}
	var resp []byte
	if r.HighestVersion >= 6 {
		resp = binary.BigEndian.AppendUint32([]byte{tagAlive2XResp, result}, cr)
	} else {
		resp = binary.BigEndian.AppendUint16([]byte{tagAlive2Resp, result}, uint16(cr))
	}
	if n == nil {
		log.Info("epmd: registration refused", "name", r.Name, "port", r.Port, "reason", reason)
		s.reply(c, resp, log)
		return
	}
	if !s.reply(c, resp, log) {
		s.reg.unregister(n)
		return
	}
	log.Info("epmd: registered", "name", r.Name, "port", r.Port, "creation", cr, "node_type", r.NodeType, "versions", [2]uint16{r.LowestVersion, r.HighestVersion})
	// The registration lives as long as the connection. Anything the
	// node sends, or its closing, ends it (as in OTP).
	_ = c.SetDeadline(time.Time{})
	var b [16]byte
	_, err := c.Read(b[:])
	if s.reg.unregister(n) {
		log.Info("epmd: unregistered", "name", r.Name, "port", r.Port, "why", readEnd(err))
	}
}

func readEnd(err error) string {
	switch {
	case err == nil:
		return "node sent data on its registration connection"
	case errors.Is(err, io.EOF):
		return "connection closed"
	}
	return err.Error()
}

type logger interface {
	Debug(string, ...any)
	Info(string, ...any)
	Warn(string, ...any)
}

// connLog logs with the connection's remote address and id, formatting
// them only when the level is enabled (lookups are the hot path).
type connLog struct {
	l  *slog.Logger
	c  interface{ RemoteAddr() net.Addr }
	id uint64
}

func (l connLog) log(level slog.Level, msg string, args []any) {
	if !l.l.Enabled(context.Background(), level) {
		return
	}
	l.l.Log(context.Background(), level, msg, append([]any{"remote", l.c.RemoteAddr().String(), "conn", l.id}, args...)...)
}

func (l connLog) Debug(msg string, args ...any) { l.log(slog.LevelDebug, msg, args) }
func (l connLog) Info(msg string, args ...any)  { l.log(slog.LevelInfo, msg, args) }
func (l connLog) Warn(msg string, args ...any)  { l.log(slog.LevelWarn, msg, args) }

func (s *Server) portPlease(c *srvConn, r *PortRequest, log logger) {
	var b [64]byte
	s.reply(c, s.portAnswer(b[:0], r.Name, log), log)
}

// portAnswer appends the PORT2_RESP for name to dst.
func (s *Server) portAnswer(dst []byte, name string, log logger) []byte {
	info, ok := s.reg.lookup(name)
	if !ok {
		log.Debug("epmd: lookup: not found", "name", name)
		return append(dst, tagPort2Resp, 1)
	}
	log.Debug("epmd: lookup", "name", name, "port", info.Port)
	return appendPort2Resp(dst, &info)
}

func (s *Server) portHeader() []byte {
	return binary.BigEndian.AppendUint32(make([]byte, 0, 256), uint32(s.Port()))
}

func (s *Server) names(c *srvConn, log logger) {
	s.reply(c, s.namesAnswer(log), log)
}

// namesAnswer is the NAMES answer: epmd's port, then a line per node.
func (s *Server) namesAnswer(log logger) []byte {
	b := s.portHeader()
	for _, n := range s.reg.liveNodes() {
		b = appendNameLine(b, n.info.Name, n.info.Port)
	}
	log.Debug("epmd: names")
	return b
}

// dump answers DUMP_REQ in OTP's format, the connection id standing in
// for OTP's file descriptor. Each line ends with a NUL, as OTP's does.
func (s *Server) dump(c *srvConn, log logger) {
	b := s.portHeader()
	for _, n := range s.reg.liveNodes() {
		b = append(b, "active name     <"...)
		b = append(b, n.info.Name...)
		b = append(b, "> at port "...)
		b = strconv.AppendUint(b, uint64(n.info.Port), 10)
		b = append(b, ", fd = "...)
		b = strconv.AppendUint(b, n.id, 10)
		b = append(b, '\n', 0)
	}
	for _, o := range s.reg.oldNodes() {
		b = append(b, "old/unused name <"...)
		b = append(b, o.name...)
		b = append(b, ">, port = "...)
		b = strconv.AppendUint(b, uint64(o.port), 10)
		b = append(b, ", fd = "...)
		b = strconv.AppendUint(b, o.id, 10)
		b = append(b, ' ', '\n', 0)
	}
	log.Debug("epmd: dump")
	s.reply(c, b, log)
}

func (s *Server) kill(c *srvConn, log logger) {
	if !c.local {
		log.Warn("epmd: KILL_REQ from a non-local address refused")
		return
	}
	if !s.cfg.RelaxedCommandCheck && s.reg.count() > 0 {
		log.Warn("epmd: KILL_REQ refused: live nodes and no relaxed_command_check")
		s.reply(c, []byte("NO"), log)
		return
	}
	s.reply(c, []byte("OK"), log)
	log.Warn("epmd: killed by KILL_REQ")
	_ = c.Close()
	s.stop(ErrKilled)
}

func (s *Server) stopName(c *srvConn, r *StopRequest, log logger) {
	if !c.local {
		log.Warn("epmd: STOP_REQ from a non-local address refused", "name", r.Name)
		return
	}
	if !s.cfg.RelaxedCommandCheck {
		log.Warn("epmd: STOP_REQ refused: no relaxed_command_check", "name", r.Name)
		return
	}
	// OTP answers NOEXIST and then STOPPED for an unknown name; a client
	// reads the first seven bytes.
	if n := s.reg.unregisterName(r.Name); n == nil {
		if !s.reply(c, []byte("NOEXIST"), log) {
			return
		}
	} else {
		if n.conn != nil {
			_ = n.conn.Close()
		}
		log.Info("epmd: unregistered by STOP_REQ", "name", r.Name, "port", n.info.Port)
	}
	s.reply(c, []byte("STOPPED"), log)
}
