package epmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// Ensure makes sure an epmd answers on cfg's port of this host, as erl
// does at start-up. When one answers (OTP's, AtomVM's, another avmsh's)
// it returns nil, nil: register with it as a client. When nothing
// listens it starts a Server for cfg in this process and returns it; it
// keeps serving every node on the host until Close. When two processes
// race, the one whose Listen fails with "address in use" probes again
// and becomes a client. ctx bounds the probing, not the server's life.
//
// cfg.Port 0 means 4369; resolve ERL_EPMD_PORT with EnvPort first.
func Ensure(ctx context.Context, cfg Config) (*Server, error) {
	return ensure(ctx, cfg, nil)
}

// ensure is Ensure; beforeStart (tests) runs between a refused probe and
// the attempt to listen, where another process may win the race.
func ensure(ctx context.Context, cfg Config, beforeStart func()) (*Server, error) {
	port := cfg.Port
	if port == 0 {
		port = DefaultPort
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("epmd: ensure: port %d is not a TCP port number", cfg.Port)
	}
	cfg.Port = port
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 50 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("epmd: ensure on port %d: %w", port, ctx.Err())
			case <-t.C:
			}
		}
		err := Probe(ctx, addr)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, ErrNoEpmd) {
			return nil, fmt.Errorf("epmd: ensure: something answers on %s but not like an epmd: %w", addr, err)
		}
		if beforeStart != nil {
			beforeStart()
		}
		s := NewServer(cfg)
		if err := s.Start(); err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				lastErr = err // another process won the race: probe it
				continue
			}
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("epmd: ensure: port %d is taken but no epmd answers on %s: %w", port, addr, lastErr)
}

// Probe checks that an epmd answers at addr (host:port) with a NAMES
// request. errors.Is(err, ErrNoEpmd) when nothing listens there.
func Probe(ctx context.Context, addr string) error {
	c := &Client{Addr: addr, Timeout: 2 * time.Second}
	_, err := c.Names(ctx)
	return err
}
