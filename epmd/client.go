package epmd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds a client request when the context has no earlier
// deadline.
const DefaultTimeout = 5 * time.Second

// maxNamesReply caps a NAMES or DUMP answer: OTP's epmd holds at most a
// few thousand nodes of at most ~1 KiB per line.
const maxNamesReply = 8 << 20

// EnvPort returns the epmd port from ERL_EPMD_PORT (read with getenv,
// typically os.Getenv; a nil getenv means an empty environment), or
// DefaultPort when it is unset.
func EnvPort(getenv func(string) string) (int, error) {
	if getenv == nil {
		return DefaultPort, nil
	}
	v := strings.TrimSpace(getenv("ERL_EPMD_PORT"))
	if v == "" {
		return DefaultPort, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("ERL_EPMD_PORT=%q is not a TCP port number (1-65535)", v)
	}
	return p, nil
}

// Address turns a user's host into epmd's host:port. host may be empty
// (127.0.0.1), a name or IP literal (IPv6 with or without brackets),
// whose port comes from ERL_EPMD_PORT or is 4369, or an explicit
// host:port, which is used as given.
func Address(host string, getenv func(string) string) (string, error) {
	host = strings.TrimSpace(host)
	if h, p, err := net.SplitHostPort(host); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("epmd address %q: %q is not a TCP port number", host, p)
		}
		if h == "" {
			h = "127.0.0.1"
		}
		return net.JoinHostPort(h, p), nil
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		host = "127.0.0.1"
	}
	port, err := EnvPort(getenv)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// Dialer opens TCP connections; *net.Dialer implements it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Client sends requests to one epmd. The zero value talks to
// 127.0.0.1:4369. A Client is safe for concurrent use.
type Client struct {
	// Addr is epmd's host:port (see Address); "127.0.0.1:4369" when empty.
	Addr string
	// Timeout bounds each request when the context has no earlier
	// deadline (DefaultTimeout when 0).
	Timeout time.Duration
	// Dialer opens the connections (a net.Dialer when nil).
	Dialer Dialer
}

// NewClient returns a client for epmd at addr (host:port).
func NewClient(addr string) *Client { return &Client{Addr: addr} }

func (c *Client) addr() string {
	if c.Addr == "" {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(DefaultPort))
	}
	return c.Addr
}

// session is one request's connection with its deadline and its
// cancellation hook.
type session struct {
	c    *Client
	op   string
	ctx  context.Context
	conn net.Conn
	stop func() bool
	to   time.Duration // Client.Timeout, when it set the deadline
	// byCtx: the context's deadline came first, so a timeout means
	// context.DeadlineExceeded.
	byCtx bool
}

func (c *Client) open(ctx context.Context, op string, req Request) (*session, error) {
	to := c.Timeout
	if to <= 0 {
		to = DefaultTimeout
	}
	deadline := time.Now().Add(to)
	byCtx := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, byCtx = d, true
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var d Dialer = c.Dialer
	if d == nil {
		d = &net.Dialer{KeepAlive: -1} // short exchanges; spares setsockopt calls
	}
	conn, err := d.DialContext(dctx, "tcp", c.addr())
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, &OpError{Op: op, Addr: c.addr(), Err: err}
	}
	s := &session{c: c, op: op, ctx: ctx, conn: conn, to: to, byCtx: byCtx}
	_ = conn.SetDeadline(deadline)
	s.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	buf, err := AppendRequest(make([]byte, 0, 64), req)
	if err != nil {
		s.close()
		return nil, &OpError{Op: op, Addr: c.addr(), Err: err}
	}
	if _, err := conn.Write(buf); err != nil {
		s.close()
		return nil, s.wrap(err, "send request")
	}
	return s, nil
}

func (s *session) close() {
	s.stop()
	_ = s.conn.Close()
}

// wrap turns an I/O error into an *OpError that says what happened.
func (s *session) wrap(err error, what string) error {
	ne, timeout := err.(net.Error)
	timeout = timeout && ne.Timeout()
	if s.ctx.Err() != nil {
		err = fmt.Errorf("%s: %w", what, s.ctx.Err())
	} else if timeout && s.byCtx {
		err = fmt.Errorf("%s: %w", what, context.DeadlineExceeded)
	} else if timeout {
		err = fmt.Errorf("%s: no answer within %v: %w", what, s.to, err)
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%s: epmd closed the connection without a complete answer: %w", what, io.ErrUnexpectedEOF)
	} else {
		err = fmt.Errorf("%s: %w", what, err)
	}
	return &OpError{Op: s.op, Addr: s.c.addr(), Err: err}
}

func (s *session) read(n int, what string) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.conn, b); err != nil {
		return nil, s.wrap(err, what)
	}
	return b, nil
}

// readAll reads until epmd closes the connection, at most max bytes.
func (s *session) readAll(max int, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(s.conn, int64(max)+1))
	if err != nil {
		return nil, s.wrap(err, what)
	}
	if len(b) > max {
		return nil, &ProtocolError{Op: s.op, Addr: s.c.addr(), Msg: fmt.Sprintf("%s: answer longer than %d bytes", what, max)}
	}
	return b, nil
}

func (s *session) protoErr(format string, args ...any) error {
	return &ProtocolError{Op: s.op, Addr: s.c.addr(), Msg: fmt.Sprintf(format, args...)}
}

// Lookup asks epmd for the node called name (PORT_PLEASE2_REQ). A name
// epmd does not know gives a *NotRegisteredError.
func (c *Client) Lookup(ctx context.Context, name string) (NodeInfo, error) {
	if !validName(name) || strings.IndexByte(name, 0) >= 0 {
		return NodeInfo{}, &OpError{Op: "lookup", Addr: c.addr(), Err: fmt.Errorf("invalid node name %q: want 1 to 255 UTF-8 characters without NUL", name)}
	}
	s, err := c.open(ctx, "lookup", &PortRequest{Name: name})
	if err != nil {
		return NodeInfo{}, err
	}
	defer s.close()
	h, err := s.read(2, "read PORT2_RESP for "+strconv.Quote(name))
	if err != nil {
		return NodeInfo{}, err
	}
	if h[0] != tagPort2Resp {
		return NodeInfo{}, s.protoErr("answer to PORT_PLEASE2_REQ starts with byte %d, want %d (PORT2_RESP)", h[0], tagPort2Resp)
	}
	if h[1] != 0 {
		return NodeInfo{}, &NotRegisteredError{Addr: c.addr(), Name: name}
	}
	b, err := s.read(10, "read PORT2_RESP")
	if err != nil {
		return NodeInfo{}, err
	}
	info := NodeInfo{
		Port:           binary.BigEndian.Uint16(b),
		NodeType:       b[2],
		Protocol:       b[3],
		HighestVersion: binary.BigEndian.Uint16(b[4:]),
		LowestVersion:  binary.BigEndian.Uint16(b[6:]),
	}
	nb, err := s.read(int(binary.BigEndian.Uint16(b[8:]))+2, "read PORT2_RESP name")
	if err != nil {
		return NodeInfo{}, err
	}
	info.Name = string(nb[:len(nb)-2])
	if elen := int(binary.BigEndian.Uint16(nb[len(nb)-2:])); elen > 0 {
		if info.Extra, err = s.read(elen, "read PORT2_RESP extra"); err != nil {
			return NodeInfo{}, err
		}
	}
	return info, nil
}

// NamesReply is epmd's answer to NAMES_REQ.
type NamesReply struct {
	// Port is the port epmd says it listens on.
	Port int
	// Nodes are the registered nodes, in epmd's order (newest first).
	Nodes []NameEntry
	// Text is the answer's text exactly as epmd sent it.
	Text []byte
}

// Names lists the nodes registered in epmd (NAMES_REQ).
func (c *Client) Names(ctx context.Context) (NamesReply, error) {
	port, text, err := c.listing(ctx, "names", &NamesRequest{})
	if err != nil {
		return NamesReply{}, err
	}
	nodes, err := ParseNames(text)
	if err != nil {
		return NamesReply{}, &ProtocolError{Op: "names", Addr: c.addr(), Msg: err.Error()}
	}
	return NamesReply{Port: port, Nodes: nodes, Text: text}, nil
}

// Dump returns epmd's DUMP_REQ answer: its port and the text with the
// NUL terminators OTP's epmd puts after each line removed. Only a local
// client gets an answer.
func (c *Client) Dump(ctx context.Context) (int, string, error) {
	port, text, err := c.listing(ctx, "dump", &DumpRequest{})
	if err != nil {
		return 0, "", err
	}
	return port, string(bytes.ReplaceAll(text, []byte{0}, nil)), nil
}

func (c *Client) listing(ctx context.Context, op string, req Request) (int, []byte, error) {
	s, err := c.open(ctx, op, req)
	if err != nil {
		return 0, nil, err
	}
	defer s.close()
	p, err := s.read(4, "read epmd's port")
	if err != nil {
		return 0, nil, err
	}
	text, err := s.readAll(maxNamesReply, "read the "+op+" answer")
	if err != nil {
		return 0, nil, err
	}
	return int(binary.BigEndian.Uint32(p)), text, nil
}

// Kill asks epmd to stop (KILL_REQ). It returns true when epmd answered
// OK, false when it refused ("NO": nodes are registered and epmd runs
// without -relaxed_command_check).
func (c *Client) Kill(ctx context.Context) (bool, error) {
	s, err := c.open(ctx, "kill", &KillRequest{})
	if err != nil {
		return false, err
	}
	defer s.close()
	b, err := s.readAll(16, "read KILL answer")
	if err != nil {
		return false, err
	}
	switch string(b) {
	case "OK":
		return true, nil
	case "NO":
		return false, nil
	case "":
		return false, &RefusedError{Op: "kill", Addr: c.addr(), Why: "epmd closed the connection without answering (it accepts KILL only from its own host)"}
	}
	return false, s.protoErr("answer to KILL_REQ is %q, want \"OK\" or \"NO\"", b)
}

// Stop asks epmd to forcibly unregister name (STOP_REQ) and returns its
// answer, "STOPPED" or "NOEXIST". epmd answers only when it runs with
// -relaxed_command_check; otherwise the error is a *RefusedError.
func (c *Client) Stop(ctx context.Context, name string) (string, error) {
	s, err := c.open(ctx, "stop", &StopRequest{Name: name})
	if err != nil {
		return "", err
	}
	defer s.close()
	b, err := s.readAll(64, "read STOP answer")
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", &RefusedError{Op: "stop", Addr: c.addr(), Why: fmt.Sprintf("epmd closed the connection without unregistering %q: it accepts STOP only from its own host, and only when started with -relaxed_command_check", name)}
	}
	if len(b) >= 7 && (string(b[:7]) == "STOPPED" || string(b[:7]) == "NOEXIST") {
		return string(b[:7]), nil
	}
	return "", s.protoErr("answer to STOP_REQ is %q, want STOPPED or NOEXIST", b)
}
