package erl_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/erl/internal/erlhost"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/erl/shellfmt"
)

// loadCommands reads the conformance table: one command per line,
// comment lines (%%) and blank lines skipped.
func loadCommands(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "%%") {
			continue
		}
		cmds = append(cmds, l)
	}
	return cmds
}

// The normalisations applied to both outputs (docs/shell-evaluator.md):
// identities that differ between any two runs or nodes.
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`<\d+\.\d+\.\d+>`), "<PID>"},
	{regexp.MustCompile(`#Fun<erl_eval\.\d+\.\d+>`), "#Fun<erl_eval>"},
	{regexp.MustCompile(`#Ref<[\d.]+>`), "#Ref<REF>"},
}

// latin1 encodes the session's output as the erl shell writes it to a
// pipe (its I/O encoding is latin1 there): one byte per character.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return s
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// latin1Decode reads s's bytes as latin1 characters.
func latin1Decode(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

func normalise(s string) string {
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// TestConformanceWithErlShell runs the conformance table through a real
// erl shell and through a shell.Session whose module calls run on a real
// BEAM node, and requires identical output for every command.
func TestConformanceWithErlShell(t *testing.T) {
	erltest.Require(t)
	path := "testdata/conformance.txt"
	if p := os.Getenv("ERL_CONFORMANCE_FILE"); p != "" {
		path = p // exploratory runs on another table
	}
	cmds := loadCommands(t, path)
	if len(cmds) < 250 && path == "testdata/conformance.txt" {
		t.Fatalf("conformance table has %d commands, want >= 250", len(cmds))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	want, err := erlhost.RunShell(ctx, cmds)
	if err != nil {
		t.Fatalf("reference erl shell: %v", err)
	}

	node := erltest.Start(t, erltest.Options{})
	host, err := erlhost.New(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	s := shell.New(host, shell.Options{Format: shellfmt.Options{Node: host.NodeContext()}})
	failures := 0
	for i, c := range cmds {
		// The erl shell reads a pipe as latin1: one character per byte.
		got, err := s.Eval(ctx, latin1Decode(c)+"\n")
		if err != nil {
			t.Fatalf("command %d %q: %v", i+1, c, err)
		}
		g, w := normalise(latin1(got)), normalise(want[i])
		if g != w {
			failures++
			t.Errorf("command %d: %s\n--- erl shell:\n%s--- avmsh:\n%s", i+1, c, w, g)
		}
	}
	t.Logf("%d commands, %d differ", len(cmds), failures)
}
