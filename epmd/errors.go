package epmd

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNoEpmd: nothing listens on the epmd address (connection refused).
	ErrNoEpmd = errors.New("no epmd listening")
	// ErrNotRegistered: epmd answered but has no node of that name.
	ErrNotRegistered = errors.New("name not registered")
	// ErrNameTaken: epmd refused a registration (the name is in use by a
	// live node, or invalid).
	ErrNameTaken = errors.New("registration refused")
	// ErrRefused: epmd closed the connection without answering a KILL or
	// STOP request (it accepts them only from its own host, STOP only
	// with -relaxed_command_check).
	ErrRefused = errors.New("request refused by epmd")
	// ErrKilled is returned by Server.Serve when a KILL_REQ stopped it.
	ErrKilled = errors.New("epmd killed by a KILL request")
)

// OpError is a failure to reach epmd or to exchange a request with it
// (dial, write, read, timeout). errors.Is(err, ErrNoEpmd) is true when
// the connection was refused.
type OpError struct {
	// Op is the request: "register", "lookup", "names", "dump", "kill",
	// "stop" or "probe".
	Op string
	// Addr is epmd's host:port.
	Addr string
	Err  error
}

func (e *OpError) Error() string {
	if e.refused() {
		return fmt.Sprintf("epmd %s: no epmd listening at %s (connection refused)", e.Op, e.Addr)
	}
	return fmt.Sprintf("epmd %s at %s: %v", e.Op, e.Addr, e.Err)
}

func (e *OpError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNoEpmd) true for a refused connection.
func (e *OpError) Is(target error) bool { return target == ErrNoEpmd && e.refused() }

func (e *OpError) refused() bool { return errors.Is(e.Err, syscall.ECONNREFUSED) }

// NotRegisteredError: epmd at Addr answered a lookup with "not found".
type NotRegisteredError struct {
	Addr string
	Name string
}

func (e *NotRegisteredError) Error() string {
	return fmt.Sprintf("epmd at %s has no node named %q (is it started, and under that name?)", e.Addr, e.Name)
}

// Host is the host of Addr (epmd's), where the node was looked up.
func (e *NotRegisteredError) Host() string {
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return e.Addr
	}
	return host
}

// Is makes errors.Is(err, ErrNotRegistered) true.
func (e *NotRegisteredError) Is(target error) bool { return target == ErrNotRegistered }

// RegisterError: epmd answered ALIVE2 with a non-zero result.
type RegisterError struct {
	Addr   string
	Name   string
	Result byte
}

func (e *RegisterError) Error() string {
	return fmt.Sprintf("epmd at %s refused to register %q (result %d): a running node already uses that name, or the name is invalid; pick another name or stop the other node", e.Addr, e.Name, e.Result)
}

// Is makes errors.Is(err, ErrNameTaken) true.
func (e *RegisterError) Is(target error) bool { return target == ErrNameTaken }

// PortInUseError: a Server could not listen on its port because
// something else (another epmd, most likely) already does. It wraps the
// listen error (errors.Is(err, syscall.EADDRINUSE)).
type PortInUseError struct {
	Addr string // host:port
	Port int
	Err  error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("epmd: listen on %s: port %d is in use (is another epmd running?): %v", e.Addr, e.Port, e.Err)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// ProtocolError: epmd's answer does not follow the protocol.
type ProtocolError struct {
	Op   string
	Addr string
	Msg  string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("epmd %s at %s: protocol error: %s (is that port really epmd?)", e.Op, e.Addr, e.Msg)
}

// RefusedError: epmd closed the connection without answering an
// administrative request (KILL, STOP). errors.Is(err, ErrRefused).
type RefusedError struct {
	Op   string
	Addr string
	Why  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("epmd %s at %s: refused: %s", e.Op, e.Addr, e.Why)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }
