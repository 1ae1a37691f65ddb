package devicescmd

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// `avmsh devices PATH` said "busy" for a port another program merely
// had open (socat's end of a pty) although --probe and monitor opened it
// fine. Busy now means locked, which is when opening fails.
func TestDevicesBusyOnlyWhenLocked(t *testing.T) {
	pa, _ := serialtest.SocatPair(t)
	out, errOut, err := runCmd(t, false, nil, nil, pa)
	if err != nil || !rowHas(out, pa, "ok") || !strings.Contains(out, "also open in socat") {
		t.Fatalf("a pty socat holds: %v\n%s%s", err, out, errOut)
	}
	// The CLI opens it, as --probe does.
	if _, _, err := runCmd(t, false, nil, nil, "--probe", "--probe-time", "100ms", pa); err != nil {
		t.Fatal(err)
	}
	// A program holding a lock (flock(1), as a lock-taking terminal
	// program would) makes it busy.
	ctx, cancel := context.WithCancel(context.Background())
	lock := exec.CommandContext(ctx, erltest.RequireProgram(t, "flock"), "-x", pa, "sleep", "600")
	if err := lock.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = lock.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _, err = runCmd(t, false, nil, nil, pa)
		if err == nil && rowHas(out, pa, "busy") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a locked port is not busy: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out, "locked by flock") {
		t.Fatalf("the lock holder is not named:\n%s", out)
	}
}

func rowHas(table, path, word string) bool {
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == path && f[len(f)-1] == word {
			return true
		}
	}
	return false
}
