//go:build !windows

package source_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// scriptTerminal answers the shell's reads from a script and records
// what it printed and the prompts it showed.
type scriptTerminal struct {
	mu      sync.Mutex
	out     strings.Builder
	prompts []string
	script  chan string
}

func (s *scriptTerminal) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(b)
}

func (s *scriptTerminal) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *scriptTerminal) ReadLine(ctx context.Context, prompt string) (string, error) {
	s.mu.Lock()
	s.prompts = append(s.prompts, prompt)
	s.mu.Unlock()
	select {
	case l, ok := <-s.script:
		if !ok {
			return "", io.EOF
		}
		return l, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *scriptTerminal) ReadCommand(ctx context.Context, prompt, _ string) (string, error) {
	return s.ReadLine(ctx, prompt)
}

// TestLiveRemoteShell: on a real erl node the pane's shell is OTP's own
// (records work, which avmsh's evaluator has no syntax for), its
// io:get_line reads from the pane, q(). does not stop the node, and the
// local node gets ErrNoRemoteShell (avmsh's evaluator).
func TestLiveRemoteShell(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	l := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", e, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	target := term.Atom(e.Name)
	// A bare name is completed with the dashboard's host (localnode's
	// ParseTarget), as erl completes it.
	if name, err := l.Connect(ctx, alive(e.Name)); err != nil || name != target {
		t.Fatalf("connect %s: %s, %v; want %s", alive(e.Name), name, err, target)
	}
	if _, err := l.RemoteShell(ctx, l.LocalName(), &scriptTerminal{}); !errors.Is(err, source.ErrNoRemoteShell) {
		t.Fatalf("RemoteShell(local node) = %v, want ErrNoRemoteShell", err)
	}
	st := &scriptTerminal{script: make(chan string, 8)}
	for _, c := range []string{
		"rd(pt, {x, y = 2}).\n",
		"#pt{x = 1}.\n",
		"q().\n",
		"string:trim(io:get_line(\"name? \")).\n",
		"joe\n",
	} {
		st.script <- c
	}
	rs, err := l.RemoteShell(ctx, target, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pt\n", "#pt{x = 1,y = 2}\n", "is not passed on", "\"joe\"\n"}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := st.output()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(out, w)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("OTP shell output %q lacks %q", out, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st.mu.Lock()
	prompts := strings.Join(st.prompts, "|")
	st.mu.Unlock()
	if !strings.Contains(prompts, "("+e.Name+")1> ") || !strings.Contains(prompts, "name? ") {
		t.Fatalf("prompts %q", prompts)
	}
	if got := e.Eval(t, "ok"); got != "ok" { // q(). did not stop the node
		t.Fatalf("node after q(): %q", got)
	}
	rs.Stop()
	select {
	case <-rs.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not end after Stop")
	}
}
