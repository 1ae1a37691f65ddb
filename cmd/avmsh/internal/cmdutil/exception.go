package cmdutil

import (
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/erl/shellfmt"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// FormatException prints an Erlang exception the way the erl shell does
// ("** exception error: ...", with the "in function" lines of the stack
// trace), ending with a newline.
func FormatException(class term.Atom, reason, stack term.Term) string {
	if stack == nil {
		stack = term.Nil
	}
	s := shellfmt.Exception(class, reason, stack, shellfmt.Options{Encoding: syntax.Unicode})
	if len(s) == 0 || s[len(s)-1] != '\n' {
		s += "\n"
	}
	return s
}

// CallError gives the failure of a call on another node its exit code,
// the same in every command: no connection (or the connection lost)
// exits with ExitUnreachable, no answer within --timeout with
// ExitTimeout, an interruption (Ctrl-C) with ExitInterrupted and what
// became of the call. It returns nil for other errors (remote exceptions, which
// each command prints its own way).
func CallError(err error) error {
	if e := TermDepthExit(err); e != nil {
		return e
	}
	var nc *rpc.NoConnectionError
	var to *rpc.TimeoutError
	var ce *rpc.CanceledError
	switch {
	case errors.As(err, &ce):
		return InterruptedBy(err)
	case errors.As(err, &nc):
		return Unreachable(err)
	case errors.As(err, &to):
		return TimedOut(fmt.Errorf("%w\nhint: it may have run; raise --timeout (0: no limit) if it needs longer", err))
	}
	return nil
}
