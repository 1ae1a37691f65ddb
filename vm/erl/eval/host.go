package eval

import (
	"context"
	"errors"
	"time"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Host connects the evaluator to the node that runs the shell: the
// target node that executes module calls, and the shell process whose
// pid, mailbox and links the expressions use.
//
// Every method may be called from the evaluating goroutine only; the
// evaluator never calls the host concurrently.
type Host interface {
	// Call runs Mod:Fun(Args...) on the target (erpc) and returns its
	// value. An Erlang exception raised by the call must be returned as
	// an *Exception (directly or wrapped) with the class, the reason and
	// the stack trace of the failing process, trimmed of the host's own
	// transport frames (erpc, rex). Any other error (connection lost,
	// timeout, ctx done) is returned as is and ends the evaluation.
	Call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error)
	// Self is the shell process's pid (self() in expressions).
	Self() term.Pid
	// Send sends msg to dest (a pid, a registered name, {Name, Node} or
	// an alias) from the shell process. A bad destination is an
	// *Exception (error:badarg), like erlang:send/2.
	Send(ctx context.Context, dest, msg term.Term) error
	// Receive removes from the shell process's mailbox and returns the
	// first message for which match returns true, waiting up to timeout
	// for one to arrive (timeout < 0 waits forever, 0 only looks at the
	// messages already there). ok is false when the timeout expired.
	// match is a pure Go function; Receive calls it synchronously.
	Receive(ctx context.Context, match func(term.Term) bool, timeout time.Duration) (msg term.Term, ok bool, err error)
}

// ProcessHost is an optional extension of Host for BIFs that act on the
// shell process itself and so must not run in a temporary process on
// the target: link/1, unlink/1, monitor/2,3, demonitor/1,2,
// process_flag/2, register/2, unregister/1, exit/2, spawn_link/1..4,
// spawn_monitor/1..4, group_leader/0, is_process_alive/1 and
// process_info/1,2. The host answers handled=false for a BIF it wants
// the evaluator to send to the target with Call instead.
type ProcessHost interface {
	ProcessBIF(ctx context.Context, name term.Atom, args []term.Term) (v term.Term, handled bool, err error)
}

// CommandHost is an optional extension of Host whose shell process can
// be killed by a signal (a linked process's exit) at any moment of a
// command, not only inside a host call. The shell brackets each
// command with BeginCommand and EndCommand; after each expression that
// ended normally it asks Killed, which returns exit:Reason when the
// shell process died since the command began, as the erl shell prints
// the exit of its evaluator instead of the value. While a command is
// open the host also fails its next call with that exception instead
// of starting a new process silently.
type CommandHost interface {
	BeginCommand()
	Killed() error
	EndCommand()
}

// TargetHost is an optional extension of Host for a shell whose module
// calls run on another node than its own process (avmsh's evaluator on
// an AtomVM target): node/0 then answers Target, the node the prompt
// names, as node() does in `erl -remsh`; node(self()) is still the shell
// process's node.
type TargetHost interface {
	Target() term.Atom
}

// Exception is an Erlang exception: class error, exit or throw, the
// reason and the stack trace (a list of {M, F, ArityOrArgs, Location}).
type Exception struct {
	Class  term.Atom
	Reason term.Term
	Stack  term.Term
}

// Error formats the exception tersely (the shell uses package shellfmt).
func (e *Exception) Error() string {
	return "exception " + string(e.Class) + ": " + syntax.Write(e.Reason, syntax.Options{Depth: 20})
}

// AsException returns the *Exception in err's chain, if any.
func AsException(err error) (*Exception, bool) {
	var e *Exception
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Error classes.
const (
	ClassError term.Atom = "error"
	ClassExit  term.Atom = "exit"
	ClassThrow term.Atom = "throw"
)

// raise builds an exception with an empty stack (the shell's own
// interpreter frames, which OTP's shell trims when printing).
func raise(class term.Atom, reason term.Term) *Exception {
	return &Exception{Class: class, Reason: reason, Stack: term.Nil}
}

func errorf(reason term.Term) *Exception { return raise(ClassError, reason) }

func tag(a term.Atom, v term.Term) term.Tuple { return term.Tuple{a, v} }

// Frame builds one stack frame {M, F, ArityOrArgs, Location}.
func Frame(m, f term.Atom, arityOrArgs term.Term, loc ...term.KV) term.Tuple {
	l := make(term.List, 0, len(loc))
	for _, kv := range loc {
		l = append(l, term.Tuple{kv.Key, kv.Value})
	}
	return term.Tuple{m, f, arityOrArgs, l}
}

// errInfoERTS is [{error_info, #{module => erl_erts_errors}}], the
// location BIFs put in their frame.
func errInfoERTS() term.List {
	return term.List{term.Tuple{term.Atom("error_info"), term.NewMap(term.KV{Key: term.Atom("module"), Value: term.Atom("erl_erts_errors")})}}
}

// bifError is error:Reason raised by BIF erlang:F(Args), with the frame
// OTP puts on top of the stack.
func bifError(reason term.Term, f term.Atom, args []term.Term) *Exception {
	return &Exception{Class: ClassError, Reason: reason, Stack: term.List{term.Tuple{term.Atom("erlang"), f, term.List(append([]term.Term(nil), args...)), errInfoERTS()}}}
}

// srcLoc is [{file, File}, {line, Line}].
func srcLoc(file string, line int) term.List {
	return term.List{term.Tuple{term.Atom("file"), term.String(file)}, term.Tuple{term.Atom("line"), term.Int(line)}}
}

// ErrInterrupted is returned (wrapped with the context's error) when the
// evaluation stops because its context is done.
var ErrInterrupted = errors.New("evaluation interrupted")
