package rpc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
)

// A call whose caller gives up (Ctrl-C: its context cancelled) is a
// *CanceledError, not a timeout: it says whether the request was sent
// and whether the remote process was killed, and it is
// errors.Is(context.Canceled). Before, it was a *TimeoutError, which the
// CLI reported as "timed out" with exit 4.
func TestCallCancelled(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"h": erlHelpers}})
	n := startNode(t, e.EpmdPort, e.Cookie)
	target := term.Atom(e.Name)
	sleeping := "length([P || P <- processes(), {current_function, {timer, sleep, 1}} == process_info(P, current_function)])"

	for _, rex := range []bool{false, true} {
		c, cancel := context.WithCancel(ctx(t))
		done := make(chan error, 1)
		go func() {
			_, err := Call(c, n, target, "h", "slow", []term.Term{term.Int(600_000)}, Options{Timeout: erltest.Timeout(60 * time.Second), Rex: rex})
			done <- err
		}()
		waitEval(t, e, sleeping, "1")
		cancel()
		err := <-done
		var ce *CanceledError
		if !errors.As(err, &ce) || !ce.Sent || !errors.Is(err, context.Canceled) || errors.As(err, new(*TimeoutError)) {
			t.Fatalf("rex=%v: %v (%T)", rex, err, err)
		}
		if rex {
			// rex cannot stop the call: it still runs.
			if ce.Killed {
				t.Fatalf("rex: killed? %+v", ce)
			}
			e.Eval(t, "[exit(P, kill) || P <- processes(), {current_function, {timer, sleep, 1}} == process_info(P, current_function)], ok.")
		} else if !ce.Killed {
			t.Fatalf("erpc: not killed: %+v", ce)
		}
		waitEval(t, e, sleeping, "0")
	}

	// Cancelled before the connection is up: nothing was sent.
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	_, err := Call(c, n, "nobody@127.0.0.1", "erlang", "node", nil, Options{})
	var ce *CanceledError
	if !errors.As(err, &ce) || ce.Sent || ce.Killed {
		t.Fatalf("cancelled before connecting: %v", err)
	}
	// A deadline stays a timeout.
	d, cancelD := context.WithTimeout(ctx(t), 200*time.Millisecond)
	defer cancelD()
	var to *TimeoutError
	if _, err := Call(d, n, target, "h", "slow", []term.Term{term.Int(600_000)}, Options{}); !errors.As(err, &to) || !to.Killed {
		t.Fatalf("deadline: %v", err)
	}
}
