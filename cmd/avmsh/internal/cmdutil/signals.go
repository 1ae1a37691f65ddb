package cmdutil

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
)

// WatchSignals is Factory.Interrupts in the binary: it returns ctx
// cancelled by the first Ctrl-C (SIGINT) or SIGTERM, and the function
// that stops watching. Until then further signals are swallowed, as
// with signal.NotifyContext: a command interrupted while it cleans up
// (killing its remote process, stopping a flash at a safe point) is
// not killed half-way by a second Ctrl-C.
//
// The handler is installed on a goroutine of its own. Watching signals
// makes the Go runtime start a thread for them, about 0.3 ms of a
// one-shot rpc's 4 ms (docs/benchmarks.md, "Start-up"); this way it
// overlaps with the command's start (the epmd lookup, the handshake).
// InterruptsReady waits for it: the root waits at once, unless the
// command waits later (WaitForInterruptsLater) before anything it does
// could need cleaning up. A signal before that ends avmsh as if it did
// not watch signals, which then leaves nothing behind.
//
// stop cancels ctx and returns at once; the goroutine then gives the
// signals back their default action (signal.Stop) and ends. Waiting
// for that would put two hand-offs to the runtime's signal thread
// between a command's last output and the exit of avmsh: 0.13–0.15 ms
// of a one-shot rpc (docs/benchmarks.md, "Start-up"). Until it is done
// a signal is still swallowed, as while the command ran.
func WatchSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	ready, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(ch)
		close(ready)
		select {
		case <-ch:
			cancel()
			<-stopped
		case <-stopped:
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(stopped)
			cancel()
		})
	}
	return context.WithValue(ctx, interruptsReadyKey{}, (<-chan struct{})(ready)), stop
}

type interruptsReadyKey struct{}

// InterruptsReady returns once the signals of ctx, a command's context,
// are watched (at once when they are watched some other way, or not at
// all).
func InterruptsReady(ctx context.Context) {
	if ready, ok := ctx.Value(interruptsReadyKey{}).(<-chan struct{}); ok {
		<-ready
	}
}

// laterAnnotation marks a command that calls InterruptsReady itself.
const laterAnnotation = "avmsh:interrupts-ready-later"

// WaitForInterruptsLater marks cmd as one that calls InterruptsReady
// itself before its first effect that Ctrl-C must clean up: the session
// commands do, in StartSession, once connected and before any request
// is sent.
func WaitForInterruptsLater(cmd *cobra.Command) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[laterAnnotation] = "true"
}

// WaitsForInterruptsLater reports whether cmd was marked by
// WaitForInterruptsLater.
func WaitsForInterruptsLater(cmd *cobra.Command) bool {
	return cmd.Annotations[laterAnnotation] == "true"
}
