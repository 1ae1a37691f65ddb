package epmd

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// PortMapper registers a node with the epmd on this host and looks up
// nodes in the epmd of their hosts. It implements node.PortMapper.
type PortMapper struct {
	// Port is epmd's port on every host; 0 means ERL_EPMD_PORT (read with
	// Getenv) or 4369.
	Port int
	// LocalHost is where Register finds this host's epmd ("127.0.0.1"
	// when empty).
	LocalHost string
	// Getenv reads ERL_EPMD_PORT when Port is 0 (no environment when nil).
	Getenv func(string) string
	// Timeout bounds each request (DefaultTimeout when 0).
	Timeout time.Duration
}

func (m *PortMapper) client(host string) (*Client, error) {
	port := m.Port
	if port == 0 {
		p, err := EnvPort(m.Getenv)
		if err != nil {
			return nil, err
		}
		port = p
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return &Client{Addr: net.JoinHostPort(host, strconv.Itoa(port)), Timeout: m.Timeout}, nil
}

// Register registers alive on port with the local epmd; closing the
// returned io.Closer (a *Registration) unregisters.
func (m *PortMapper) Register(ctx context.Context, alive string, port int, hidden bool) (uint32, io.Closer, error) {
	c, err := m.client(m.LocalHost)
	if err != nil {
		return 0, nil, err
	}
	if port < 1 || port > 65535 {
		return 0, nil, fmt.Errorf("epmd register %q: port %d is not a TCP port number", alive, port)
	}
	info := NodeInfo{Name: alive, Port: uint16(port), NodeType: NodeTypeNormal}
	if hidden {
		info.NodeType = NodeTypeHidden
	}
	r, err := c.Register(ctx, info)
	if err != nil {
		return 0, nil, err
	}
	return r.Creation, r, nil
}

// Lookup returns the distribution port of alive as registered in the
// epmd on host.
func (m *PortMapper) Lookup(ctx context.Context, host, alive string) (int, error) {
	c, err := m.client(host)
	if err != nil {
		return 0, err
	}
	info, err := c.Lookup(ctx, alive)
	if err != nil {
		return 0, err
	}
	return int(info.Port), nil
}
