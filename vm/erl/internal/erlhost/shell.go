package erlhost

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

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
