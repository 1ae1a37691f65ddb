package cmdutil

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestWatchSignals: once InterruptsReady returns, SIGINT cancels the
// context; a second signal (SIGTERM here) is swallowed while the
// command cleans up, not the default action that would end this test
// binary; stop ends the watcher.
func TestWatchSignals(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, stop := WatchSignals(context.Background())
	InterruptsReady(ctx)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the context")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // time for a default action to end the binary
	stop()
	stop() // twice is fine

	// Stopped without a signal: the context is cancelled too.
	ctx, stop = WatchSignals(context.Background())
	InterruptsReady(ctx)
	stop()
	if ctx.Err() == nil {
		t.Fatal("stop did not cancel the context")
	}
	// A context that watches no signals is ready at once.
	InterruptsReady(context.Background())
}
