package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/node/rpc"
)

// InterruptError is the error of a command stopped by Ctrl-C (SIGINT) or
// SIGTERM while it waited. Its message starts with "interrupted" and
// says what was going on and what became of it (a remote call killed
// or perhaps still running, a connection not made, a flash not
// finished). It exits with ExitInterrupted.
type InterruptError struct {
	// What is what the command was doing and what became of it ("" for
	// nothing more to say).
	What string
	// Err is the error the interruption caused, if any.
	Err error
}

func (e *InterruptError) Error() string {
	if e.What == "" {
		return "interrupted"
	}
	return "interrupted: " + e.What
}

func (e *InterruptError) Unwrap() error { return e.Err }

// Interrupted returns the command's error for an interruption: exit
// ExitInterrupted with "interrupted: " and what (formatted).
func Interrupted(err error, format string, args ...any) error {
	return &ExitError{Code: ExitInterrupted, Err: &InterruptError{What: fmt.Sprintf(format, args...), Err: err}}
}

// InterruptedBy returns the command's error for err, the failure an
// interruption caused: what happened to a remote call in err's chain
// (an *rpc.CanceledError) is said; an error that already says the
// command was interrupted is kept.
func InterruptedBy(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == ExitInterrupted {
		return err
	}
	var ie *InterruptError
	if errors.As(err, &ie) {
		return &ExitError{Code: ExitInterrupted, Err: ie}
	}
	var ce *rpc.CanceledError
	if errors.As(err, &ce) {
		return Interrupted(err, "%s", CallFate(ce))
	}
	if err == nil || errors.Is(err, context.Canceled) {
		return &ExitError{Code: ExitInterrupted, Err: &InterruptError{Err: err}}
	}
	return Interrupted(err, "%v", err)
}

// CallFate says what became of a call abandoned by an interruption.
func CallFate(ce *rpc.CanceledError) string {
	c := ce.Call
	fun := fmt.Sprintf("%s:%s/%d", c.Module, c.Function, c.Arity)
	switch {
	case !ce.Sent:
		return fmt.Sprintf("%s was not sent to %s", fun, c.Node)
	case ce.Killed:
		return fmt.Sprintf("%s on %s did not finish; its process there was killed", fun, c.Node)
	}
	return fmt.Sprintf("%s on %s did not finish and may still be running there (the node cannot be told to stop it); its result is lost", fun, c.Node)
}

// interrupted reports whether ctx, a command's context, ended: the root
// cancels it on Ctrl-C and SIGTERM only (Factory.WatchInterrupts).
func interrupted(ctx context.Context) bool { return ctx != nil && ctx.Err() != nil }

// FlashInterrupted is the error of a flash of port that Ctrl-C stopped
// at step (the step of the flasher's error, "" when unknown): whether
// the board's flash may be partly written and what to do then.
func FlashInterrupted(err error, port, step string) error {
	switch {
	case step == "":
		return Interrupted(err, "the flash of %s stopped; if it was writing, run the same command again (sectors already written are skipped)", port)
	case strings.HasPrefix(step, "write"), strings.HasPrefix(step, "verify"):
		return Interrupted(err, "the flash of %s stopped at %s: the board's flash may be partly written and the application may not start; run the same command again (sectors already written are skipped)", port, step)
	}
	return Interrupted(err, "the flash of %s stopped at %s; nothing was being written", port, step)
}
