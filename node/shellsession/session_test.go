package shellsession_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/node/stdlib"
	"github.com/avmsh/avmsh/vm/term"
)

// script is a Terminal fed a list of inputs: a command for each
// ReadCommand (errJob stands for Ctrl-G), a line for each ReadLine, then
// io.EOF. What the session prints is collected.
type script struct {
	mu       sync.Mutex
	commands []string
	lines    []string
	out      erltest.SyncBuffer
	prompts  []string
}

const ctrlG = "\x07"

func (s *script) Write(b []byte) (int, error) { return s.out.Write(b) }

func (s *script) ReadCommand(_ context.Context, prompt, _ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prompts = append(s.prompts, prompt)
	if len(s.commands) == 0 {
		return "", io.EOF
	}
	c := s.commands[0]
	s.commands = s.commands[1:]
	if c == ctrlG {
		return "", shellsession.ErrJobControl
	}
	_, _ = s.out.Write([]byte(c)) // the echo a terminal shows
	return c, nil
}

func (s *script) ReadLine(_ context.Context, prompt string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.out.Write([]byte(prompt))
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	l := s.lines[0]
	s.lines = s.lines[1:]
	_, _ = s.out.Write([]byte(l))
	return l, nil
}

// startLocal starts an avmsh node next to e serving the standard
// library, as `avmsh shell` does.
func startLocal(t *testing.T, e *erltest.Node) (*node.Node, *rpc.Registry) {
	t.Helper()
	n := localnode.For(t, e)
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, "test")
	stdlib.Register(reg)
	if err := rpc.Serve(n, reg); err != nil {
		t.Fatal(err)
	}
	return n, reg
}

func run(t *testing.T, cfg shellsession.Config) (*shellsession.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cfg.Node.Connect(ctx, cfg.Target); cfg.Target != "" && cfg.Target != cfg.Node.Name() && err != nil {
		t.Fatal(err)
	}
	s, err := shellsession.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, s.Run(ctx)
}

// TestQuitRuleBothEvaluators: one rule for leaving, whatever the
// evaluator: q(), halt(), init:stop(), erlang:halt() and c:q() typed as
// a command leave and the target keeps running (the CLI used to pass
// erlang:halt() to OTP's shell, the pane's Go evaluator halt() to the
// target); the same call inside an expression is Erlang.
func TestQuitRuleBothEvaluators(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, reg := startLocal(t, e)
	for _, ev := range []shellsession.Evaluator{shellsession.EvalRemote, shellsession.EvalGo} {
		for _, quit := range []string{"q().\n", "halt().\n", "init:stop().\n", "erlang:halt().\n", "erlang:halt(0, []).\n", "c:q().\n", " halt( ) . % bye\n", ":quit\n", "Y = 1. q(). never_run.\n"} {
			sc := &script{commands: []string{"X = 20 + 1.\n", quit, "never_run.\n"}}
			s, err := run(t, shellsession.Config{Node: n, Target: term.Atom(e.Name), Evaluator: ev, Registry: reg, Terminal: sc})
			if err != nil {
				t.Fatalf("%s %q: %v", ev, quit, err)
			}
			out := sc.out.String()
			if strings.HasPrefix(quit, "Y") && !strings.HasSuffix(out, quit+"1\n") {
				t.Fatalf("%s %q: the command before the quit did not run: %q", ev, quit, out)
			}
			if !strings.Contains(out, "21\n") || strings.Contains(out, "\nnever_run\n") || strings.Contains(out, "never_run.\nnever_run") {
				t.Fatalf("%s %q: output %q", ev, quit, out)
			}
			if got := e.Eval(t, "1 + 1"); got != "2" {
				t.Fatalf("%s %q stopped the target: %s", ev, quit, got)
			}
			if s.Failed() {
				t.Fatalf("%s %q: failed", ev, quit)
			}
		}
	}
	for cmd, want := range map[string]bool{"q().": true, "halt(1).": true, "init:stop(x).": true, "x, halt().": false,
		"q(1).": false, "lists:halt().": false, "halt": false, ":q": true, "c:q(x).": false} {
		if shellsession.IsQuit(cmd) != want {
			t.Errorf("IsQuit(%q) != %v", cmd, want)
		}
	}
}

// TestMetaAndJobControl: meta-commands and the Ctrl-G menu work the
// same with both evaluators; Ctrl-G q leaves, c returns to the prompt.
func TestMetaAndJobControl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, reg := startLocal(t, e)
	for _, ev := range []shellsession.Evaluator{shellsession.EvalRemote, shellsession.EvalGo} {
		sc := &script{commands: []string{":nodes\n", ":bogus\n", ctrlG, "1 + 1.\n", ctrlG}, lines: []string{"h\n", "j\n", "k\n", "c\n", "q\n"}}
		if _, err := run(t, shellsession.Config{Node: n, Target: term.Atom(e.Name), Evaluator: ev, Registry: reg, Terminal: sc}); err != nil {
			t.Fatal(err)
		}
		out := sc.out.String()
		for _, want := range []string{"* " + e.Name, "unknown meta-command :bogus", shellsession.JobBanner + shellsession.JobPrompt + "h\n  c [nn]",
			"   1* ", "Not available", "1 + 1.\n2\n", shellsession.JobPrompt + "q\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: missing %q in\n%s", ev, want, out)
			}
		}
	}
}

// TestOutputInOrder: each command's result is printed when it finishes,
// in order with the output it caused (issue 15, defect 3, which `avmsh
// eval` shares).
func TestOutputInOrder(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, reg := startLocal(t, e)
	sc := &script{commands: []string{"1. timer:sleep(300). io:format(\"x~n\"). 2.\n"}}
	if _, err := run(t, shellsession.Config{Node: n, Target: term.Atom(e.Name), Evaluator: shellsession.EvalGo, Registry: reg, Terminal: sc}); err != nil {
		t.Fatal(err)
	}
	if out := sc.out.String(); !strings.Contains(out, "2.\n1\nok\nx\nok\n2\n") {
		t.Fatalf("output %q", out)
	}
}

// TestComplete covers Tab's candidates (issue 15, defect 12): on the
// local node, modules and functions come from the node's registry
// (li+Tab, lists:s+Tab); the remote evaluator offers the variables its
// commands bound; :connect offers the nodes epmd lists, connected or
// not.
func TestComplete(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	other := erltest.Start(t, erltest.Options{EpmdPort: e.EpmdPort, Cookie: e.Cookie})
	n, reg := startLocal(t, e)
	ctx := context.Background()
	has := func(cands []shellsession.Candidate, text string) bool {
		for _, c := range cands {
			if c.Text == text || c.Display == text {
				return true
			}
		}
		return false
	}

	local, err := shellsession.Start(ctx, shellsession.Config{Node: n, Registry: reg, Terminal: &script{}, EpmdPort: e.EpmdPort})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	if w, c := local.Complete(ctx, "X = li"); w != "li" || !has(c, "lists:") {
		t.Errorf("local li+Tab: %q %v", w, c)
	}
	if w, c := local.Complete(ctx, "lists:s"); w != "lists:s" || !has(c, "seq/2") || !has(c, "sum/1") {
		t.Errorf("local lists:s+Tab: %q %v", w, c)
	}
	if _, c := local.Complete(ctx, "fl"); !has(c, "flush/0") {
		t.Errorf("local built-ins: %v", c)
	}
	if w, c := local.Complete(ctx, ":connect "); w != "" || !has(c, e.Name) || !has(c, other.Name) {
		t.Errorf(":connect + Tab: %q %v (want %s and %s, from epmd)", w, c, e.Name, other.Name)
	}

	sc := &script{commands: []string{"Alpha = 1.\n", "Beta = lists:nth(9, [a]).\n", "[Gamma || Gamma <- [1]].\n", "{Delta, _Eps} = {2, 3}.\n"}}
	s, err := run(t, shellsession.Config{Node: n, Target: term.Atom(e.Name), Evaluator: shellsession.EvalRemote, Registry: reg, Terminal: sc})
	if err != nil {
		t.Fatal(err)
	}
	if _, c := s.Complete(ctx, "X = "+"A"); !has(c, "Alpha") || has(c, "Beta") || has(c, "Gamma") {
		t.Errorf("remote variables: %v", c)
	}
	if _, c := s.Complete(ctx, "D"); !has(c, "Delta") {
		t.Errorf("remote variables: %v", c)
	}
	if _, c := s.Complete(ctx, "lists:rev"); !has(c, "lists:reverse(") {
		t.Errorf("remote lists:rev: %v", c)
	}
}

// TestRemoteFallsBack: auto picks OTP's shell on a BEAM node, avmsh's
// evaluator on the local node; --evaluator remote on a node without
// OTP's shell is an error.
func TestEvaluatorChoice(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n, reg := startLocal(t, e)
	ctx := context.Background()
	if err := n.Connect(ctx, term.Atom(e.Name)); err != nil {
		t.Fatal(err)
	}
	s, err := shellsession.Start(ctx, shellsession.Config{Node: n, Target: term.Atom(e.Name), Registry: reg, Terminal: &script{}})
	if err != nil || s.Mode() != shellsession.ModeRemote {
		t.Fatalf("BEAM target: %v %v", s, err)
	}
	s.Close()
	s, err = shellsession.Start(ctx, shellsession.Config{Node: n, Registry: reg, Terminal: &script{}})
	if err != nil || s.Mode() != shellsession.ModeGo || s.Prompt() != "("+string(n.Name())+")1> " {
		t.Fatalf("local target: %v %v", s, err)
	}
	s.Close()
	if _, err := shellsession.Start(ctx, shellsession.Config{Node: n, Evaluator: shellsession.EvalRemote, Registry: reg, Terminal: &script{}}); err == nil {
		t.Fatal("--evaluator remote on avmsh's own node must fail")
	}
	if _, err := shellsession.ParseEvaluator("bogus"); err == nil || !errors.Is(err, err) {
		t.Fatal("bogus evaluator accepted")
	}
}
