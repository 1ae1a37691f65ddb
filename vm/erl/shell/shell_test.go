package shell

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/term"
)

// memHost runs no module calls (all undef) and keeps a mailbox slice.
type memHost struct{ box []term.Term }

func (h *memHost) Call(ctx context.Context, m, f term.Atom, a []term.Term) (term.Term, error) {
	return nil, &eval.Exception{Class: "error", Reason: term.Atom("undef"), Stack: term.List{term.Tuple{m, f, term.List(a), term.Nil}}}
}
func (h *memHost) Self() term.Pid { return term.NewPid("shell@host", 80, 0, 1) }
func (h *memHost) Send(ctx context.Context, d, m term.Term) error {
	h.box = append(h.box, m)
	return nil
}
func (h *memHost) Receive(ctx context.Context, match func(term.Term) bool, t time.Duration) (term.Term, bool, error) {
	for i, m := range h.box {
		if match(m) {
			h.box = append(h.box[:i:i], h.box[i+1:]...)
			return m, true, nil
		}
	}
	return nil, false, nil
}

// panicHost panics on module calls (a stand-in for an evaluator defect).
type panicHost struct{ memHost }

func (*panicHost) Call(context.Context, term.Atom, term.Atom, []term.Term) (term.Term, error) {
	var m map[string]int
	m["boom"]++ // a nil map write: a Go panic
	return nil, nil
}

func eval1(t *testing.T, s *Session, src string) string {
	t.Helper()
	out, err := s.Eval(context.Background(), src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return out
}

func TestSession(t *testing.T) {
	s := New(&memHost{}, Options{})
	steps := []struct{ in, out string }{
		{"X = 1.\n", "1\n"},
		{"Y = X + 1, Z.\n", "* 1:12: variable 'Z' is unbound\n"},
		{"Y.\n", "* 1:1: variable 'Y' is unbound\n"},
		{"Y = 2, Y = 3.\n", "** exception error: no match of right hand side value 3\n"},
		{"Y.\n", "* 1:1: variable 'Y' is unbound\n"},
		{"1 +\n 2.\n", "3\n"},
		{"1. 2.\n", "1\n2\n"},
		{"foo(.\n", "* 1:5: syntax error before: '.'\n"},
		{"v(1).\n", "1\n"},
		{"v(-1).\n", "1\n"},
		{"e(1).\n", "1\n"},
		{"v(99).\n", "* 99: command not found\n"},
		{"f(X), X = 5.\n", "5\n"},
		{"b().\n", "X = 5\nok\n"},
		{"f().\n", "ok\n"},
		{"b().\n", "ok\n"},
		{"self() ! a, self() ! {b, [1]}, flush().\n", "Shell got a\nShell got {b,[1]}\nok\n"},
		{"f(1).\n", "** exception error: no function clause matching call to f/1\n"},
		{"nope(1).\n", "** exception error: undefined shell command nope/1\n"},
		{"lists:usort(fun(X) -> X end).\n", "** exception error: a fun defined in the shell cannot be passed to lists:usort/1: it would run on the target node, which cannot run shell code; use fun Module:Function/Arity instead\n"},
	}
	for _, st := range steps {
		if got := eval1(t, s, st.in); got != st.out {
			t.Errorf("%q:\n got %q\nwant %q", st.in, got, st.out)
		}
	}
	if s.N() != 20 {
		t.Errorf("command number %d, want 20 (syntax errors do not count)", s.N())
	}
}

// TestHistorySizes: history/1 and results/1 return the previous sizes
// and change what is kept (the erl transcript is checked in
// vm/erl/testdata/history.txt against a real erl).
func TestHistorySizes(t *testing.T) {
	s := New(&memHost{}, Options{HistoryLength: 2})
	eval1(t, s, "a.\nb.\nc.\n")
	if got := eval1(t, s, "v(1).\n"); got != "* 1: command not found\n" {
		t.Fatalf("dropped command: %q", got)
	}
	if got := eval1(t, s, "h().\n"); got != "2: b\n-> b\n3: c\n-> c\nok\n" {
		t.Fatalf("h(): %q", got)
	}
	if got := eval1(t, s, "history(5).\n"); got != "2\n" {
		t.Fatalf("history(5): %q", got)
	}
	if got := eval1(t, s, "results(0).\n"); got != "20\n" {
		t.Fatalf("results(0): %q", got)
	}
	if got := eval1(t, s, "v(-1).\n"); got != "* -1: command not found\n" {
		t.Fatalf("v(-1) with no results kept: %q", got)
	}
	for _, bad := range []string{"history(-1).\n", "results(a).\n", "history(1 + 1).\n"} {
		if got := eval1(t, s, bad); !strings.HasPrefix(got, "** exception error: no function clause matching call to ") {
			t.Fatalf("%q: %q", bad, got)
		}
	}
}

// TestNoExpressionKillsTheShell: a panic inside the evaluator is an
// InternalError for that command; the session keeps its bindings and
// goes on.
func TestNoExpressionKillsTheShell(t *testing.T) {
	s := New(&panicHost{}, Options{})
	eval1(t, s, "X = 1.\n")
	_, err := s.Eval(context.Background(), "Y = 2, m:f().\n")
	var ie *InternalError
	if !errors.As(err, &ie) || !s.Failed() {
		t.Fatalf("err %v, failed %v; want an InternalError", err, s.Failed())
	}
	if s.Bindings().All()[0].Name != "X" || len(s.Bindings().All()) != 1 {
		t.Fatalf("bindings after the panic: %v", s.Bindings().All())
	}
}

func TestEvalStopsOnContext(t *testing.T) {
	s := New(&memHost{}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	out, err := s.Eval(ctx, "1.\nfun L() -> L() end().\n2.\n")
	if err == nil || out != "1\n" {
		t.Fatalf("out %q err %v", out, err)
	}
	if got := eval1(t, s, "3.\n"); got != "3\n" {
		t.Fatalf("after interrupt: %q", got)
	}
}

// killHost is a memHost whose shell process is "killed" by its first
// send (a stand-in for a linked process's exit arriving between two
// host calls), and which records the command brackets.
type killHost struct {
	memHost
	open, killed, told bool
	log                []string
}

func (h *killHost) Send(ctx context.Context, d, m term.Term) error {
	h.killed = true
	return h.memHost.Send(ctx, d, m)
}
func (h *killHost) BeginCommand() { h.open = true; h.log = append(h.log, "begin") }
func (h *killHost) EndCommand()   { h.open = false; h.log = append(h.log, "end") }
func (h *killHost) Killed() error {
	if !h.open {
		panic("Killed outside a command")
	}
	if !h.killed || h.told {
		return nil
	}
	h.told = true
	return &eval.Exception{Class: "exit", Reason: term.Atom("boom"), Stack: term.Nil}
}

// TestCommandHostKilled: a shell process killed between host calls ends
// the command with its exit instead of the value (the erl shell's
// evaluator dies), the command's bindings are dropped, and every
// command is bracketed.
func TestCommandHostKilled(t *testing.T) {
	h := &killHost{}
	s := New(h, Options{})
	if got := eval1(t, s, "X = 1, self() ! hi, Y = 2.\n"); got != "** exception exit: boom\n" {
		t.Fatalf("killed command printed %q", got)
	}
	if !s.Failed() {
		t.Fatal("a killed command is not reported as failed")
	}
	if got := eval1(t, s, "X.\n"); got != "* 1:1: variable 'X' is unbound\n" {
		t.Fatalf("bindings of the killed command kept: %q", got)
	}
	if got := eval1(t, s, "Z = 3.\n"); got != "3\n" {
		t.Fatalf("next command: %q", got)
	}
	if got, want := strings.Join(h.log, ","), "begin,end,begin,end,begin,end"; got != want {
		t.Fatalf("brackets %s, want %s", got, want)
	}
}
