package handshake

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/node/carrier"
)

// TestCookieErrorIsNeutral: a wrong cookie is a *CookieError naming the
// peer on both sides, matching ErrBadCookie, and the message says what
// happened without telling the user of some program which flag or file
// to change (issue 15: that wording belongs to the CLI).
func TestCookieErrorIsNeutral(t *testing.T) {
	ok := func(Peer) Status { return StatusOK }
	_, ierr, _, aerr := run(t, cfg("a@h", "c1"), cfg("b@h", "c2"), ok)
	for _, c := range []struct {
		side   string
		err    error
		peer   string
		closed bool
	}{{"initiator", ierr, "b@h", true}, {"acceptor", aerr, "a@h", false}} {
		var ce *CookieError
		if !errors.As(c.err, &ce) || ce.Peer != c.peer || ce.Closed != c.closed || !errors.Is(c.err, ErrBadCookie) {
			t.Fatalf("%s: %v (%#v), want a *CookieError for %s", c.side, c.err, ce, c.peer)
		}
		msg := c.err.Error()
		for _, cli := range []string{"--cookie", "AVMSH_COOKIE", ".erlang.cookie", "pass "} {
			if strings.Contains(msg, cli) {
				t.Errorf("%s: the library error tells the user what to type (%q): %s", c.side, cli, msg)
			}
		}
		if !strings.Contains(msg, c.peer) || !strings.Contains(msg, "cookie") {
			t.Errorf("%s: %q does not say whose cookie", c.side, msg)
		}
	}
}

// TestErrorNamesTheLink: a failed handshake with a node whose name is not
// known yet (a dial over a serial link) names the link and the step, not
// an empty name (issue 15, item 14: "handshake with  failed").
func TestErrorNamesTheLink(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close() // answers nothing
		}
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn := carrier.NewStreamConn(nc, "tcp", 0)
	defer conn.Close()
	_, err = Initiate(context.Background(), conn, cfg("a@h", "c"), "", nil)
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("got %v, want a *handshake.Error", err)
	}
	msg := err.Error()
	want := "handshake over tcp " + l.Addr().String() + " failed at "
	if !strings.HasPrefix(msg, want) || strings.Contains(msg, "with  ") {
		t.Fatalf("%q does not start with %q", msg, want)
	}
}
