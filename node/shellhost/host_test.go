package shellhost_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

// sleepers counts the processes in timer:sleep/1 on the erl node.
const sleepers = "length([P || P <- processes(), process_info(P, current_function) =:= {current_function, {timer, sleep, 1}}])"

// waitEval polls expr on the erl node until it prints want.
func waitEval(t *testing.T, e *erltest.Node, expr, want string) {
	t.Helper()
	deadline := time.Now().Add(erltest.Timeout(10 * time.Second))
	for {
		got := e.Eval(t, expr)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s is %s, want %s", expr, e.Name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHost covers the host against a real erl node: Ctrl-C (a cancelled
// context) kills the remote erpc process; the shell process dying while
// idle is reported through OnExit and a new one takes its place; calls
// to the local node are served by the registry.
func TestHost(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, reg := startNode(t, e.EpmdPort, e.Cookie)
	exits := make(chan string, 4)
	s, h, err := shellhost.NewSession(n, term.Atom(e.Name), shellhost.Options{Registry: reg, OnExit: func(text string) { exits <- text }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Target() != term.Atom(e.Name) {
		t.Fatalf("target %s", h.Target())
	}
	eval := func(src string) string {
		t.Helper()
		out, err := s.Eval(context.Background(), src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return out
	}

	t.Run("cancel kills the remote call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := h.Call(ctx, "timer", "sleep", []term.Term{term.Int(60000)})
			done <- err
		}()
		waitEval(t, e, sleepers, "1")
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled call: %v", err)
			}
		case <-time.After(erltest.Timeout(10 * time.Second)):
			t.Fatal("the cancelled call did not return")
		}
		waitEval(t, e, sleepers, "0")
		// The same through the evaluator: Session.Eval returns the
		// context's error, and the target is left clean.
		ctx, cancel = context.WithCancel(context.Background())
		go func() {
			_, err := s.Eval(ctx, "X = 1, timer:sleep(60000), X.\n")
			done <- err
		}()
		waitEval(t, e, sleepers, "1")
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled evaluation: %v", err)
		}
		waitEval(t, e, sleepers, "0")
	})

	t.Run("the shell process dies while idle", func(t *testing.T) {
		out := eval("Me = self(), P = spawn(timer, sleep, [60000]), register(victim, P), link(P).\n")
		if out != "true\n" {
			t.Fatalf("link: %q", out)
		}
		// link/1 returns before the link signal reaches erl: exit the
		// victim only once erl has the link, or the shell gets noproc.
		waitEval(t, e, "length(element(2, process_info(whereis(victim), links)))", "1")
		e.Eval(t, "exit(whereis(victim), late)")
		select {
		case text := <-exits:
			if text != "** exception exit: late\n" {
				t.Fatalf("OnExit text %q", text)
			}
		case <-time.After(erltest.Timeout(10 * time.Second)):
			t.Fatal("OnExit was not called")
		}
		if out := eval("self() =:= Me.\n"); out != "false\n" {
			t.Fatalf("a new shell process: %q", out)
		}
		if h.Process().Dead() || h.Self() != h.Process().Self() {
			t.Fatal("the host's process is not the live one")
		}
		// A death during an evaluation is that evaluation's exception.
		if out := eval("exit(self(), kill).\n"); out != "** exception exit: killed\n" {
			t.Fatalf("exit(self(), kill): %q", out)
		}
		select {
		case text := <-exits:
			t.Fatalf("OnExit called for a death an evaluation reported: %q", text)
		case <-time.After(100 * time.Millisecond):
		}
	})

	t.Run("local target", func(t *testing.T) {
		h.SetTarget(n.Name())
		defer h.SetTarget(term.Atom(e.Name))
		if out := eval("erlang:node() =:= node().\n"); out != "true\n" {
			t.Fatalf("node(): %q", out)
		}
		if out := eval("length(erlang:processes()) > 1.\n"); out != "true\n" {
			t.Fatalf("processes(): %q", out)
		}
		if out := eval("nomod:f(1).\n"); !strings.HasPrefix(out, "** exception error: undefined function nomod:f/1") {
			t.Fatalf("undef: %q", out)
		}
	})
}
