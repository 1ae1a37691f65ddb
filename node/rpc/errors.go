package rpc

import (
	"fmt"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// MFA names a remote function for messages.
type MFA struct {
	Node     term.Atom
	Module   term.Atom
	Function term.Atom
	Arity    int
}

func (m MFA) String() string {
	return fmt.Sprintf("%s:%s/%d on %s", m.Module, m.Function, m.Arity, m.Node)
}

// ThrowError: the remote function threw Value (erlang:throw/1).
type ThrowError struct {
	Call  MFA
	Value term.Term
}

func (e *ThrowError) Error() string { return fmt.Sprintf("%s threw %s", e.Call, short(e.Value)) }

// ExitError: the remote function exited with Reason (erlang:exit/1).
type ExitError struct {
	Call   MFA
	Reason term.Term
}

func (e *ExitError) Error() string { return fmt.Sprintf("%s exited: %s", e.Call, short(e.Reason)) }

// RemoteError: the remote function raised an error (class error), with
// its stack trace. Reason is e.g. badarg, undef, {badmatch, V}.
type RemoteError struct {
	Call   MFA
	Reason term.Term
	Stack  term.Term
}

func (e *RemoteError) Error() string {
	if e.Reason == term.Atom("undef") {
		return fmt.Sprintf("%s: undefined function (error:undef)", e.Call)
	}
	return fmt.Sprintf("%s raised error %s", e.Call, short(e.Reason))
}

// NoConnectionError: the node could not be reached, or the connection
// was lost during the call.
type NoConnectionError struct {
	Call  MFA
	Cause error
}

func (e *NoConnectionError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: no connection: %v", e.Call, e.Cause)
	}
	return fmt.Sprintf("%s: no connection (the connection to %s was lost)", e.Call, e.Call.Node)
}

func (e *NoConnectionError) Unwrap() error { return e.Cause }

// ArgumentError: the call was not sent because its arguments cannot be
// encoded for the target: Err wraps an *etf.EncodeError, e.g. a term
// nested deeper than the node's limit (*etf.DepthError) or one an AtomVM
// peer cannot take. Nothing ran on the target.
type ArgumentError struct {
	Call MFA
	Err  error
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("%s: the call was not sent: %v", e.Call, e.Err)
}

func (e *ArgumentError) Unwrap() error { return e.Err }

// ReplyError: the connection to the target ended during the call because
// a message from it could not be decoded, e.g. the result nested deeper
// than the node's limit (Err wraps an *etf.DepthError then). The function
// may have run; its result is lost.
type ReplyError struct {
	Call MFA
	Err  error
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: no result, the connection was dropped: %v", e.Call, e.Err)
}

func (e *ReplyError) Unwrap() error { return e.Err }

// TimeoutError: no result within the timeout. The remote process was
// killed when the peer allows it (not on AtomVM, which takes no exit/2).
type TimeoutError struct {
	Call   MFA
	Killed bool
}

func (e *TimeoutError) Error() string {
	if e.Killed {
		return fmt.Sprintf("%s: timed out (the remote process was killed)", e.Call)
	}
	return fmt.Sprintf("%s: timed out", e.Call)
}

// CanceledError: the caller gave up before the result came, because its
// context was cancelled (Ctrl-C, a caller going away), not because a
// timeout ran out (that is a *TimeoutError). Sent tells whether the
// request reached the connection at all; Killed whether the remote
// process was then killed, as for a timeout (not on AtomVM, which takes
// no exit signal, nor through rex). A call sent and not killed may still
// be running on the target; its result is lost either way.
type CanceledError struct {
	Call   MFA
	Sent   bool
	Killed bool
	// Cause is the context's cause (context.Canceled unless the caller
	// gave another with context.WithCancelCause).
	Cause error
}

func (e *CanceledError) Error() string {
	switch {
	case !e.Sent:
		return fmt.Sprintf("%s: cancelled before the call was sent", e.Call)
	case e.Killed:
		return fmt.Sprintf("%s: cancelled (the remote process was killed)", e.Call)
	}
	return fmt.Sprintf("%s: cancelled (the call may still be running on %s)", e.Call, e.Call.Node)
}

// Unwrap returns the cause, so that errors.Is(err, context.Canceled)
// holds.
func (e *CanceledError) Unwrap() error { return e.Cause }

// BadRPCError: a rex-based call returned {badrpc, Reason}.
type BadRPCError struct {
	Call   MFA
	Reason term.Term
}

func (e *BadRPCError) Error() string { return fmt.Sprintf("%s: badrpc %s", e.Call, short(e.Reason)) }

// ExceptionTerms returns the Erlang class, reason and stack trace of an
// RPC error, as erpc would raise it (class is throw, exit or error);
// ok is false for errors that are not remote exceptions.
func ExceptionTerms(err error) (class term.Atom, reason, stack term.Term, ok bool) {
	switch e := err.(type) {
	case *ThrowError:
		return "throw", e.Value, term.Nil, true
	case *ExitError:
		return "exit", e.Reason, term.Nil, true
	case *RemoteError:
		return "error", e.Reason, e.Stack, true
	case *NoConnectionError:
		return "error", term.Tuple{term.Atom("erpc"), term.Atom("noconnection")}, term.Nil, true
	case *TimeoutError:
		return "error", term.Tuple{term.Atom("erpc"), term.Atom("timeout")}, term.Nil, true
	case *BadRPCError:
		return "error", term.Tuple{term.Atom("badrpc"), e.Reason}, term.Nil, true
	}
	return "", nil, nil, false
}

// short prints a term compactly for error messages (bounded length).
func short(t term.Term) string {
	s := syntax.Write(t, syntax.Options{Encoding: syntax.Unicode, Depth: 12})
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
