package shellhost_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/term"
)

// TestKilledBetweenCalls: the shell process killed by a linked process
// between two host calls of one command (after spawn_link/3 returned,
// before timer:sleep/1 began) fails the command's next call with
// exit:Reason, as the erl shell's evaluator dies; self() until then is
// the dead process; the call after that runs on a new process. A death
// after the last call is Killed's; a death between commands goes to
// OnExit, exactly once.
func TestKilledBetweenCalls(t *testing.T) {
	n, reg := startNode(t, localnode.Epmd(t), "c")
	exits := make(chan string, 4)
	h, err := shellhost.New(n, n.Name(), shellhost.Options{Registry: reg, OnExit: func(text string) { exits <- text }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	// kill links the shell process to a new process and makes that
	// process exit with reason, then waits for the shell process to die.
	kill := func(reason string) term.Pid {
		t.Helper()
		q, err := n.Runtime().NewProcess(vm.SpawnOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.ProcessBIF(ctx, "link", []term.Term{q.Self()}); err != nil {
			t.Fatal(err)
		}
		p := h.Process()
		q.Exit(term.Atom(reason))
		select {
		case <-p.Done():
		case <-time.After(erltest.Timeout(10 * time.Second)):
			t.Fatal("the linked exit did not kill the shell process")
		}
		return p.Self()
	}
	wantExit := func(err error, reason string) {
		t.Helper()
		var exc *eval.Exception
		if !errors.As(err, &exc) || exc.Class != "exit" || exc.Reason != term.Atom(reason) {
			t.Fatalf("got %v, want exit:%s", err, reason)
		}
	}

	h.BeginCommand()
	dead := kill("boom")
	if self := h.Self(); self != dead {
		t.Fatalf("self() after the death is %v, want the dead %v until the death is reported", self, dead)
	}
	_, err = h.Call(ctx, "erlang", "node", nil)
	wantExit(err, "boom")
	if v, err := h.Call(ctx, "erlang", "node", nil); err != nil || v != term.Atom(n.Name()) {
		t.Fatalf("the call after the reported death: %v, %v", v, err)
	}
	if err := h.Killed(); err != nil {
		t.Fatalf("Killed after the death was reported: %v", err)
	}
	h.EndCommand()

	h.BeginCommand()
	kill("boom2")
	wantExit(h.Killed(), "boom2")
	if err := h.Killed(); err != nil {
		t.Fatalf("the death reported twice: %v", err)
	}
	h.EndCommand()

	kill("boom3") // between commands
	h.BeginCommand()
	if err := h.Killed(); err != nil {
		t.Fatalf("a death before the command is the command's: %v", err)
	}
	h.EndCommand()
	select {
	case text := <-exits:
		if !strings.Contains(text, "exception exit: boom3") {
			t.Fatalf("OnExit told %q", text)
		}
	case <-time.After(erltest.Timeout(10 * time.Second)):
		t.Fatal("the death between commands was not told")
	}
	select {
	case text := <-exits:
		t.Fatalf("OnExit told more: %q", text)
	case <-time.After(100 * time.Millisecond):
	}
}
