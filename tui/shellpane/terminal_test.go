package shellpane

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// TestTerminalOrderAndEnd: output and requests arrive in order through
// Listen; an answer reaches the reader; a cancelled or closed terminal
// ends the reads waiting (no goroutine is left blocked).
func TestTerminalOrderAndEnd(t *testing.T) {
	term := NewTerminal()
	got := make(chan string, 1)
	go func() {
		_, _ = term.For("n@h").Write([]byte("2\n"))
		line, err := term.For("n@h").ReadCommand(context.Background(), "(n@h)2> ", "")
		if err != nil {
			line = err.Error()
		}
		got <- line
	}()
	if m := term.Listen()().(TermMsg).Msg; m != OutputMsg("2\n") {
		t.Fatalf("first message %#v, want the output", m)
	}
	req, ok := term.Listen()().(TermMsg).Msg.(InputMsg)
	if !ok || req.Node != "n@h" || req.Prompt != "(n@h)2> " || !req.Command {
		t.Fatalf("second message %#v, want the command request", req)
	}
	req.answer("1 + 1.\n", nil)
	if l := <-got; l != "1 + 1.\n" {
		t.Fatalf("reader got %q", l)
	}

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := term.ReadLine(ctx, "a? "); errs <- err }()
	if _, ok := term.Listen()().(TermMsg).Msg.(InputMsg); !ok {
		t.Fatal("no request")
	}
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
	go func() { _, err := term.ReadLine(context.Background(), "b? "); errs <- err }()
	if _, ok := term.Listen()().(TermMsg).Msg.(InputMsg); !ok {
		t.Fatal("no request")
	}
	term.Close()
	select {
	case err := <-errs:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("read on a closed terminal: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the read")
	}
	if m := term.Listen()(); m != nil {
		t.Fatalf("Listen after Close = %#v, want nil", m)
	}
	if n, err := term.Write([]byte("late")); n != 4 || err != nil {
		t.Fatalf("Write after Close = %d, %v", n, err)
	}
}
