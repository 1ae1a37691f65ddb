//go:build !windows

package serialdist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// socatPair returns two linked ptys (serialtest.SocatPair).
func socatPair(t testing.TB) (string, string) {
	t.Helper()
	return serialtest.SocatPair(t)
}

// testConfig makes link timings short for tests.
func testConfig() PortConfig {
	cfg := PortConfig{MinBurst: -1, StallTimeout: 100 * time.Millisecond, DataStallTimeout: 500 * time.Millisecond}
	if os.Getenv("SERIALDIST_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

func openTest(t testing.TB, path string, cfg PortConfig) *Port {
	t.Helper()
	p, err := Open(Address{Device: path}, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// handshake runs a minimal stand-in for the node's handshake over two
// Conns (dialer side d, acceptor side a): the message shapes of §1.3, so
// that the serial layer sees real send_name/status/challenge frames.
func handshake(t testing.TB, ctx context.Context, dial func() (carrier.Conn, error), l carrier.Listener) (carrier.Conn, carrier.Conn) {
	t.Helper()
	type res struct {
		c   carrier.Conn
		err error
	}
	acc := make(chan res, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err == nil {
			err = respond(c)
		}
		acc <- res{c, err}
	}()
	d, err := dial()
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if err := initiate(d); err != nil {
		t.Fatalf("initiator handshake: %v", err)
	}
	r := <-acc
	if r.err != nil {
		t.Fatalf("responder handshake: %v", r.err)
	}
	return d, r.c
}

func initiate(c carrier.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	if err := c.WriteHandshake(sendName("b@serial.local")); err != nil {
		return err
	}
	for _, want := range []byte{'s', 'N'} {
		m, err := c.ReadHandshake()
		if err != nil {
			return err
		}
		if len(m) == 0 || m[0] != want {
			return fmt.Errorf("got %q, want a %q message", m, want)
		}
	}
	if err := c.WriteHandshake(append([]byte{'r', 1, 2, 3, 4}, make([]byte, 16)...)); err != nil {
		return err
	}
	m, err := c.ReadHandshake()
	if err != nil {
		return err
	}
	if len(m) != 17 || m[0] != 'a' {
		return fmt.Errorf("got %q, want the ack", m)
	}
	return c.StartData()
}

func respond(c carrier.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	m, err := c.ReadHandshake()
	if err != nil {
		return err
	}
	if len(m) == 0 || m[0] != 'N' {
		return fmt.Errorf("got %q, want send_name", m)
	}
	if err := c.WriteHandshake([]byte("sok")); err != nil {
		return err
	}
	ch := append([]byte{'N', 0, 0, 0, 0x0D, 0x03, 0x5F, 0x5F, 0xBC, 9, 9, 9, 9, 0, 0, 0, 1, 0, 14}, "a@serial.local"...)
	if err := c.WriteHandshake(ch); err != nil {
		return err
	}
	m, err = c.ReadHandshake()
	if err != nil {
		return err
	}
	if len(m) != 21 || m[0] != 'r' {
		return fmt.Errorf("got %q, want the challenge reply", m)
	}
	if err := c.WriteHandshake(append([]byte{'a'}, make([]byte, 16)...)); err != nil {
		return err
	}
	return c.StartData()
}

// readPacket reads one non-tick packet with a deadline.
func readPacket(c carrier.Conn, d time.Duration) ([]byte, error) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	for {
		p, err := c.ReadPacket()
		if err != nil || len(p) > 0 {
			return p, err
		}
	}
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// drainUntilError reads packets until the link fails.
func drainUntilError(c carrier.Conn, d time.Duration) error {
	_ = c.SetReadDeadline(time.Now().Add(d))
	for {
		if _, err := c.ReadPacket(); err != nil {
			return err
		}
	}
}
