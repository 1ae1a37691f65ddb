//go:build !windows

package serialdist

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
)

// A transport's port is lent to a borrower and comes back: listeners
// accept on the reopened port and OnReopen hooks learn of it.
func TestTransportLendsItsPorts(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	a, b := socatPair(t)
	cfg := testConfig()
	cfg.Holder = "test node"
	tr := NewTransport(cfg)
	defer tr.Close()
	l, err := tr.Listen("serial:" + a)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	old := l.Ports()[0]
	reopened := make(chan *Port, 1)
	defer tr.OnReopen(func(p *Port) { reopened <- p })()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	loan, err := Borrow(ctx, a, "avmsh flash (test)")
	if err != nil {
		t.Fatal(err)
	}
	if loan.Holder != "test node" {
		t.Errorf("holder %q", loan.Holder)
	}
	select {
	case <-old.Done():
	default:
		t.Fatal("the port is still open during the loan")
	}
	if _, err := tr.Port(Address{Device: a}); !errors.Is(err, ErrPortLent) {
		t.Fatalf("Port during the loan: %v", err)
	}
	if tr.Lent(a) != "avmsh flash (test)" {
		t.Errorf("Lent: %q", tr.Lent(a))
	}
	// The borrower can open the device itself now.
	raw, err := OpenRaw(Address{Device: a})
	if err != nil {
		t.Fatalf("the borrower cannot open the lent port: %v", err)
	}
	raw.Close()
	loan.Return()
	var p *Port
	select {
	case p = <-reopened:
	case <-ctx.Done():
		t.Fatal("the port did not come back")
	}
	if got := l.Ports()[0]; got != p || p == old {
		t.Fatal("the listener does not accept on the reopened port")
	}
	// A peer dialing from the other end reaches the listener again.
	peer := openTest(t, b, testConfig())
	d, acc := handshake(t, ctx, func() (carrier.Conn, error) { return peer.Dial(ctx) }, l)
	d.Close()
	acc.Close()
}
