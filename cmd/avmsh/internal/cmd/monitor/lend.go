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
	back chan []byte   // the borrower is done, with the console text it read
}

func newLender() *lender {
	return &lender{req: make(chan string), lent: make(chan struct{}), back: make(chan []byte, 1)}
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

// Returned implements serialdist.Lender: console is what the board
// printed while the borrower held the port (a flasher's boot log).
func (l *lender) Returned(console []byte) {
	select {
	case l.back <- console:
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
// user or ctx ended the wait. What the borrower read of the board's
// console (its boot log after a flash) is shown, so that the console
// follows the port through the loan.
func (m *monitor) waitReturn(ctx context.Context) bool {
	for {
		select {
		case <-ctx.Done():
			return true
		case console := <-m.lender.back:
			if len(console) > 0 {
				_, _ = m.console.Write(console)
			}
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
