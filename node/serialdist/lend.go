package serialdist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrPortLent: the device is lent to a borrower (a flasher) for now.
var ErrPortLent = errors.New("serial port lent")

// ReopenTimeout bounds how long a Transport waits for a device to come
// back after a loan (a native-USB board re-enumerates after a reset).
const ReopenTimeout = 30 * time.Second

// offerLocked makes device borrowable (t.mu held): a borrower (avmsh
// flash, the dashboard's flasher) gets the port closed, and when it
// gives it back the port is reopened with the same settings, listeners
// are attached again and OnReopen hooks run.
func (t *Transport) offerLocked(device string) {
	if _, ok := t.offers[device]; ok || t.cfg.NoLending {
		return
	}
	holder := t.cfg.Holder
	if holder == "" {
		holder = fmt.Sprintf("avmsh (pid %d)", os.Getpid())
	}
	stop, err := Offer(device, holder, transportLender{t, device})
	if err != nil {
		t.cfg.Logger.Debug("serial port not offered for lending", "port", device, "err", err)
		return
	}
	t.offers[device] = stop
}

type transportLender struct {
	t      *Transport
	device string
}

// Lend closes the port (telling a connected peer with a teardown frame).
func (l transportLender) Lend(_ context.Context, borrower string) error {
	t := l.t
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.New("closing")
	}
	p := t.ports[l.device]
	delete(t.ports, l.device)
	t.lent[l.device] = borrower
	t.mu.Unlock()
	t.cfg.Logger.Info("serial port lent", "port", l.device, "to", borrower)
	if p != nil {
		p.Close()
	}
	return nil
}

// Returned reopens the port in the background; console (what the
// borrower read of the board) leads the reopened port's console text.
func (l transportLender) Returned(console []byte) {
	t := l.t
	t.mu.Lock()
	delete(t.lent, l.device)
	addr, closed := t.addrs[l.device], t.closed
	if !closed {
		t.wg.Add(1)
	}
	t.mu.Unlock()
	if closed {
		return
	}
	go func() {
		defer t.wg.Done()
		t.reopen(addr, console)
	}()
}

// reopen opens a returned device again, retrying while it re-enumerates;
// console is shown first on its console.
func (t *Transport) reopen(addr Address, console []byte) {
	deadline := time.Now().Add(ReopenTimeout)
	for {
		t.mu.Lock()
		_, lentAgain := t.lent[addr.Device]
		stop := t.closed || lentAgain || t.ports[addr.Device] != nil
		t.mu.Unlock()
		if stop {
			return
		}
		p, err := Open(addr, t.cfg)
		if err == nil {
			p.PrefaceConsole(console)
			t.adoptReopened(p)
			return
		}
		if time.Now().After(deadline) {
			t.cfg.Logger.Warn("serial port not back after a loan", "port", addr.Device, "err", err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// adoptReopened installs a reopened port: listeners that accepted on
// the device accept on it again, and the hooks learn of it.
func (t *Transport) adoptReopened(p *Port) {
	t.mu.Lock()
	if t.closed || t.ports[p.Name()] != nil {
		t.mu.Unlock()
		p.Close()
		return
	}
	t.ports[p.Name()] = p
	for _, l := range t.listeners {
		l.mu.Lock()
		for i, old := range l.ports {
			if old.Name() == p.Name() && old != p {
				select {
				case <-l.done:
				default:
					if err := p.attach(l.ch); err == nil {
						l.ports[i] = p
					}
				}
			}
		}
		l.mu.Unlock()
	}
	hooks := make([]func(*Port), 0, len(t.reopened))
	for _, h := range t.reopened {
		hooks = append(hooks, h)
	}
	t.mu.Unlock()
	t.cfg.Logger.Info("serial port back from a loan", "port", p.Name())
	for _, h := range hooks {
		h(p)
	}
}

// OnReopen registers f to run (on a goroutine of the transport) each
// time a device comes back from a loan, with its new Port.
func (t *Transport) OnReopen(f func(*Port)) (cancel func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.nextHook
	t.nextHook++
	t.reopened[id] = f
	return func() {
		t.mu.Lock()
		delete(t.reopened, id)
		t.mu.Unlock()
	}
}

// Lent tells to whom device is lent ("" when it is not).
func (t *Transport) Lent(device string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lent[device]
}
