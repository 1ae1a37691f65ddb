package espsim

import (
	"context"
	"errors"
	"net"
	"sync"
)

// HostLink is the host's end of an in-process serial line to a Sim: an
// espflash.Link whose modem lines drive the simulated circuit.
type HostLink struct {
	net.Conn
	s    *Sim
	done chan struct{}
	err  error

	mu   sync.Mutex
	baud int
}

// Link starts the simulator on an in-process pipe and returns the
// host's end. The simulator stops when the link is closed or ctx ends.
func (s *Sim) Link(ctx context.Context) *HostLink {
	host, board := net.Pipe()
	h := &HostLink{Conn: host, s: s, done: make(chan struct{}), baud: s.Baud()}
	go func() {
		defer close(h.done)
		h.err = s.Serve(ctx, board)
		board.Close()
	}()
	return h
}

// SetDTR drives DTR.
func (h *HostLink) SetDTR(on bool) error { return h.s.SetDTR(on) }

// SetRTS drives RTS.
func (h *HostLink) SetRTS(on bool) error { return h.s.SetRTS(on) }

// SetLines drives both lines at once.
func (h *HostLink) SetLines(dtr, rts bool) error { return h.s.SetLines(dtr, rts) }

// SetBaud records the host's speed.
func (h *HostLink) SetBaud(b int) error {
	if b <= 0 {
		return errors.New("bad baud")
	}
	h.mu.Lock()
	h.baud = b
	h.mu.Unlock()
	return nil
}

// HostBaud is the speed the host set last.
func (h *HostLink) HostBaud() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.baud
}

// Wait waits for the simulator to stop and returns why.
func (h *HostLink) Wait() error {
	<-h.done
	return h.err
}

// NoLines is a HostLink whose modem lines fail, like a pty's.
type NoLines struct{ *HostLink }

var errNoLines = errors.New("inappropriate ioctl for device (no modem lines)")

// SetDTR fails.
func (NoLines) SetDTR(bool) error { return errNoLines }

// SetRTS fails.
func (NoLines) SetRTS(bool) error { return errNoLines }

// SetLines fails.
func (NoLines) SetLines(bool, bool) error { return errNoLines }
