package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Status reports err the way avmsh does ("avmsh: message" on errOut,
// unless the command already told the user) and returns the process
// exit code. ctx is the command's context: an error after it ended
// (Ctrl-C, SIGTERM) exits with ExitInterrupted and says it was
// interrupted (see InterruptedBy), whatever error the interruption
// caused. Other errors get the command line's hint for what avmsh's
// packages report neutrally (Hint). A command that ends without error when interrupted (serve:
// Ctrl-C is how it stops) exits with ExitOK.
func Status(ctx context.Context, errOut io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if interrupted(ctx) && !isUsageError(err) {
		err = InterruptedBy(err)
	} else {
		err = WithHint(err)
	}
	var ee *ExitError
	if !errors.As(err, &ee) || !ee.Silent {
		fmt.Fprintf(errOut, "avmsh: %v\n", err)
	}
	if ee == nil && isUsageError(err) {
		return ExitUsage
	}
	return ExitCode(err)
}

// isUsageError recognises cobra's own errors (unknown command or flag,
// a bad flag value), which it returns as plain errors.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
