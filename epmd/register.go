package epmd

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Registration is a node's live registration in epmd. epmd keeps it as
// long as the connection that made it stays open: Close unregisters, and
// Done is closed when the registration ends for any reason (Close, or
// epmd going away).
type Registration struct {
	// Creation is the creation epmd assigned (32-bit from an OTP 23+
	// epmd answering ALIVE2_X_RESP, 1..3 from an old one).
	Creation uint32
	// Info is what was registered.
	Info NodeInfo
	// Addr is the epmd it is registered with.
	Addr string

	conn   net.Conn
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once
	err    error // set before done is closed
}

// Register registers a node (ALIVE2_REQ) and keeps the connection open
// for the life of the registration. Zero fields of info take defaults:
// NodeType normal, versions 6..6. A name epmd refuses (already used by a
// live node) gives a *RegisterError.
func (c *Client) Register(ctx context.Context, info NodeInfo) (*Registration, error) {
	if info.NodeType == 0 {
		info.NodeType = NodeTypeNormal
	}
	if info.HighestVersion == 0 {
		info.HighestVersion = DistVersion
	}
	if info.LowestVersion == 0 {
		info.LowestVersion = DistVersion
	}
	if !validName(info.Name) || strings.IndexByte(info.Name, 0) >= 0 {
		return nil, &OpError{Op: "register", Addr: c.addr(), Err: fmt.Errorf("invalid node name %q: want 1 to 255 UTF-8 characters without NUL", info.Name)}
	}
	if len(info.Extra) > MaxExtraBytes {
		return nil, &OpError{Op: "register", Addr: c.addr(), Err: fmt.Errorf("extra data of %d bytes is longer than the %d epmd stores", len(info.Extra), MaxExtraBytes)}
	}
	s, err := c.open(ctx, "register", &AliveRequest{NodeInfo: info})
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	t, err := s.read(1, "read ALIVE2 answer for "+fmt.Sprintf("%q", info.Name))
	if err != nil {
		return nil, err
	}
	var result byte
	var creation uint32
	switch t[0] {
	case tagAlive2XResp:
		b, err := s.read(5, "read ALIVE2_X_RESP")
		if err != nil {
			return nil, err
		}
		result, creation = b[0], binary.BigEndian.Uint32(b[1:])
	case tagAlive2Resp:
		b, err := s.read(3, "read ALIVE2_RESP")
		if err != nil {
			return nil, err
		}
		result, creation = b[0], uint32(binary.BigEndian.Uint16(b[1:]))
	default:
		return nil, s.protoErr("answer to ALIVE2_REQ starts with byte %d, want %d (ALIVE2_X_RESP) or %d (ALIVE2_RESP)", t[0], tagAlive2XResp, tagAlive2Resp)
	}
	if result != 0 {
		return nil, &RegisterError{Addr: c.addr(), Name: info.Name, Result: result}
	}
	// The registration lives as long as the connection: no deadline, no
	// cancellation from the request's context any more. (If the context
	// was cancelled just now, its hook may be setting a deadline: give up.)
	if !s.stop() {
		return nil, &OpError{Op: "register", Addr: c.addr(), Err: fmt.Errorf("registering %q: %w", info.Name, context.Cause(ctx))}
	}
	_ = s.conn.SetDeadline(time.Time{})
	ok = true
	r := &Registration{Creation: creation, Info: info, Addr: c.addr(), conn: s.conn, done: make(chan struct{})}
	go r.watch()
	return r, nil
}

// watch waits for the connection to end. epmd never sends anything on a
// registration connection, so any read result means it is over.
func (r *Registration) watch() {
	var b [1]byte
	_, err := r.conn.Read(b[:])
	if !r.closed.Load() {
		if err == nil {
			err = fmt.Errorf("unexpected data from epmd")
		}
		r.err = fmt.Errorf("epmd at %s dropped the registration of %q: %w", r.Addr, r.Info.Name, err)
	} else {
		r.err = net.ErrClosed
	}
	_ = r.conn.Close()
	close(r.done)
}

// Done is closed when the registration has ended.
func (r *Registration) Done() <-chan struct{} { return r.done }

// Err is nil while the registration is live; afterwards it says why it
// ended (net.ErrClosed after Close).
func (r *Registration) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// Close unregisters the node by closing the connection, and waits for
// the registration to end. It is safe to call more than once.
func (r *Registration) Close() error {
	r.once.Do(func() {
		r.closed.Store(true)
		_ = r.conn.Close()
	})
	<-r.done
	return nil
}
