//go:build !windows

package espsim

import (
	"context"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// ServePTY runs the simulator on one end of a socat pty pair and
// returns the other end's path, for clients that open a device by name
// (esptool-js under Node, avmsh flash). A pty has no modem lines: give
// the simulator Config.InLoader. It stops when the test ends.
func ServePTY(tb testing.TB, s *Sim) string {
	tb.Helper()
	host, board := serialtest.SocatPair(tb)
	p, err := serial.Open(board, &serial.Mode{BaudRate: 115200})
	if err != nil {
		tb.Fatalf("open %s: %v", board, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(ctx, p)
	}()
	tb.Cleanup(func() {
		cancel()
		p.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			tb.Errorf("espsim on %s did not stop", board)
		}
	})
	return host
}
