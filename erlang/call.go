package erlang

import (
	"context"
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Exception is an Erlang exception: one raised by a function a Call ran
// on another node, or one a registered Func raises by returning it.
type Exception struct {
	// Class is error, exit or throw.
	Class term.Atom
	// Reason is the error reason, the exit reason or the thrown value.
	Reason term.Term
	// Stack is the stack trace the remote node reported (nil when it
	// sent none, and for a Func's exception: then it is
	// [{Module, Function, Args, []}]).
	Stack term.Term
	// Node, Module, Function and Arity name the call that raised it
	// (empty for an exception a Func returns).
	Node, Module, Function term.Atom
	Arity                  int

	msg string
}

func (e *Exception) Error() string {
	if e.msg != "" {
		return e.msg
	}
	s := fmt.Sprintf("%s:%s", e.Class, syntax.Write(e.Reason, syntax.Options{Encoding: syntax.Unicode, Depth: 12}))
	if e.Module != "" {
		s = fmt.Sprintf("%s:%s/%d on %s raised %s", e.Module, e.Function, e.Arity, e.Node, s)
	}
	return s
}

// Error returns an exception of class error (erlang:error/1), for a
// Func to return: Error(term.Atom("badarg")).
func Error(reason term.Term) *Exception { return &Exception{Class: "error", Reason: reason} }

// Call runs module:function(args...) on node and returns its value, like
// erpc:call/4 (rpc:call/4 on nodes older than OTP 23). A bare node name
// is completed with this node's host; the node is connected to on
// demand. The remote code's group leader is this node's (see
// Config.Output).
//
// ctx's deadline is the call's timeout: when it passes the call returns
// an error satisfying errors.Is(err, ErrTimeout) and the remote process
// is killed, as erpc does (AtomVM takes no exit signal from a remote
// node, so there the function may go on running). A remote exception is
// an *Exception; a node that cannot be reached gives ErrNoConnection.
func (n *Node) Call(ctx context.Context, node, module, function term.Atom, args ...term.Term) (term.Term, error) {
	return n.call(ctx, node, module, function, args, rpc.Options{GroupLeader: ptr(n.GroupLeader())})
}

func (n *Node) call(ctx context.Context, node, module, function term.Atom, args []term.Term, o rpc.Options) (term.Term, error) {
	node, err := n.fullName(node)
	if err != nil {
		return nil, err
	}
	v, err := rpc.Call(ctx, n.l.Node.Node, node, module, function, args, o)
	return v, callErr(err)
}

// Cast runs module:function(args...) on node without waiting for it
// (erpc:cast/4): nil means the request was handed to the connection.
func (n *Node) Cast(ctx context.Context, node, module, function term.Atom, args ...term.Term) error {
	node, err := n.fullName(node)
	if err != nil {
		return err
	}
	return callErr(rpc.Cast(ctx, n.l.Node.Node, node, module, function, args, rpc.Options{GroupLeader: ptr(n.GroupLeader())}))
}

// Send sends msg to dest, as erlang:send/2 does: dest is a pid, a name
// registered on this node (an atom), {Name, Node} for a name registered
// on another node, or a process alias (a reference). Sends to other
// nodes connect on demand and are asynchronous, as in Erlang: nil does
// not mean the message was delivered. Sending to a name not registered
// on this node is an error (Erlang raises badarg).
func (n *Node) Send(dest, msg term.Term) error {
	p, err := n.l.Runtime().NewProcess(vm.SpawnOptions{Label: "erlang.Node.Send"})
	if err != nil {
		return err
	}
	defer p.Exit(vm.Normal)
	return p.Send(dest, msg)
}

// callErr turns rpc's errors into the package's: *Exception for remote
// exceptions, ErrNoConnection and ErrTimeout for the rest.
func callErr(err error) error {
	if err == nil {
		return nil
	}
	var nc *rpc.NoConnectionError
	var te *rpc.TimeoutError
	switch {
	case errors.As(err, &nc):
		return &sentinelError{err: err, sentinel: ErrNoConnection}
	case errors.As(err, &te):
		return &sentinelError{err: err, sentinel: ErrTimeout}
	}
	class, reason, stack, ok := rpc.ExceptionTerms(err)
	if !ok {
		return err
	}
	e := &Exception{Class: class, Reason: reason, Stack: stack, msg: err.Error()}
	var mfa rpc.MFA
	switch x := err.(type) {
	case *rpc.ThrowError:
		mfa = x.Call
	case *rpc.ExitError:
		mfa = x.Call
	case *rpc.RemoteError:
		mfa = x.Call
	case *rpc.BadRPCError:
		mfa = x.Call
	}
	e.Node, e.Module, e.Function, e.Arity = mfa.Node, mfa.Module, mfa.Function, mfa.Arity
	return e
}

// Format prints t as Erlang's io_lib:format("~tp") does, on one line
// (no line breaks however long).
func Format(t term.Term) string {
	return syntax.Pretty(t, syntax.Options{Encoding: syntax.Unicode, LineLength: -1, PrintableRange: syntax.Unicode})
}

// ParseTerm reads one term written in Erlang syntax ("{ok, [1, 2]}",
// "<<\"bytes\">>", "#{a => 1}"); a trailing dot is allowed.
func ParseTerm(s string) (term.Term, error) {
	return syntax.Parse(s, syntax.ParseOptions{})
}

func ptr[T any](v T) *T { return &v }
