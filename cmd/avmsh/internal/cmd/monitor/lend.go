package monitorcmd

import (
	"context"
	"errors"
)

// lender lends the monitor's port to a borrower (serialdist.Offer): the
// monitor closes the port, waits, and reopens it when it comes back.
type lender struct {
	req  chan string   // a borrower asks
	lent chan struct{} // the monitor has closed the port
	back chan struct{} // the borrower is done
}

func newLender() *lender {
	return &lender{req: make(chan string), lent: make(chan struct{}), back: make(chan struct{}, 1)}
}

// Lend implements serialdist.Lender.
func (l *lender) Lend(ctx context.Context, who string) error {
	select {
	case l.req <- who:
	case <-ctx.Done():
		return errors.New("the monitor did not let go of the port")
	}
	select {
	case <-l.lent:
		return nil
	case <-ctx.Done():
		return errors.New("the monitor did not close the port in time")
	}
}

// Returned implements serialdist.Lender.
func (l *lender) Returned() {
	select {
	case l.back <- struct{}{}:
	default:
	}
}

type errLent struct{ who string }

func (e errLent) Error() string { return "lent to " + e.who }

func lentTo(err error) (string, bool) {
	var e errLent
	if errors.As(err, &e) {
		return e.who, true
	}
	return "", false
}

// waitReturn waits for the port to come back; it reports quit when the
// user or ctx ended the wait.
func (m *monitor) waitReturn(ctx context.Context) bool {
	for {
		select {
		case <-ctx.Done():
			return true
		case <-m.lender.back:
			return false
		case b, ok := <-m.keys:
			if !ok {
				m.keys = nil
				continue
			}
			if _, acts := m.km.feed(b); len(acts) > 0 && acts[0] == actQuit {
				return true
			}
		}
	}
}
