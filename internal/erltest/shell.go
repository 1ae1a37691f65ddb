package erltest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// The reference erl shell of the shell conformance tests (vm/erl and
// node/shellhost): a real interactive erl fed one command per line, and
// the helpers that compare its output with avmsh's.

// RunShell starts an interactive erl shell (not -noshell, as a user
// would), feeds it the commands, one per line, and returns what it
// printed for each command. The shell runs in a fresh HOME so that no
// .erlang file changes it.
func RunShell(ctx context.Context, commands []string) ([]string, error) {
	home, err := os.MkdirTemp("", "erlhost-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	cmd := exec.Command("erl", "-start_epmd", "false")
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.Stdin = strings.NewReader(strings.Join(commands, "\n") + "\n")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("erlhost: run erl: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return nil, fmt.Errorf("erlhost: erl shell did not finish: %w; output so far:\n%s", ctx.Err(), out.String())
	}
	segs := SplitPrompts(out.String())
	if len(segs) != len(commands) {
		return segs, fmt.Errorf("erlhost: erl shell printed %d command outputs for %d commands; output:\n%s", len(segs), len(commands), out.String())
	}
	return segs, nil
}

// SplitPrompts splits the output of an erl shell fed one command per
// line into the text printed for each command (prompts removed).
func SplitPrompts(out string) []string {
	lines := strings.Split(out, "\n")
	var segs []string
	cur := -1
	for _, l := range lines {
		if p := promptEnd(l); p > 0 {
			segs = append(segs, "")
			cur = len(segs) - 1
			l = l[p:]
			if strings.HasPrefix(l, "*** Terminating erlang") {
				segs = segs[:cur]
				break
			}
		}
		if cur >= 0 {
			segs[cur] += l + "\n"
		}
	}
	return segs
}

// promptEnd returns the length of a leading "N> " prompt, or 0.
func promptEnd(l string) int {
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	if i == 0 || !strings.HasPrefix(l[i:], "> ") {
		return 0
	}
	return i + 2
}

// LoadShellCommands reads the conformance table: one command per line,
// comment lines (%%) and blank lines skipped.
func LoadShellCommands(t testing.TB, path string) []string {
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
var shellNormalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`<\d+\.\d+\.\d+>`), "<PID>"},
	{regexp.MustCompile(`#Fun<erl_eval\.\d+\.\d+>`), "#Fun<erl_eval>"},
	{regexp.MustCompile(`#Ref<[\d.]+>`), "#Ref<REF>"},
}

// Latin1 encodes the session's output as the erl shell writes it to a
// pipe (its I/O encoding is latin1 there): one byte per character.
func Latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return s
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// Latin1Decode reads s's bytes as latin1 characters.
func Latin1Decode(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// NormaliseShell applies the normalisations to one command's output.
func NormaliseShell(s string) string {
	for _, n := range shellNormalisers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}
