package erlang

import (
	"context"
	"errors"
	"io"

	"github.com/avmsh/avmsh/node/gl"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// Func is a Go function callable from Erlang. ctx ends when the call is
// abandoned (the calling process or its node goes away, or the caller's
// erpc timeout kills the call); caller says who called. It returns the
// value, or an error: an *Exception raises that exception in the caller;
// any other error raises error:{avmsh_error, <<"message">>}.
type Func func(ctx context.Context, caller Caller, args []term.Term) (term.Term, error)

// Caller describes the process calling a Func.
type Caller struct {
	// Pid is the calling process.
	Pid term.Pid
	// GroupLeader is the caller's group leader, where its output goes.
	GroupLeader term.Pid
}

// Register makes f callable as module:function/arity from other nodes:
// erpc:call(Node, Module, Function, Args), rpc:call/4 and
// spawn_request/5 from BEAM, and AtomVM's rpc reach it, each call in a
// process of its own. Registering a function again replaces it. Calls
// with another arity raise error:undef, as on BEAM.
//
// The node already serves a few modules of its own (a subset of erlang,
// lists, maps, io, io_lib, timer and string, and avmsh); registering a
// function of theirs replaces that function.
func (n *Node) Register(module, function term.Atom, arity int, f Func) {
	n.l.Registry().Register(module, function, arity, func(c *rpc.CallContext, args []term.Term) (term.Term, error) {
		v, err := f(c.Context(), Caller{Pid: c.Caller, GroupLeader: c.GroupLeader}, args)
		var e *Exception
		if errors.As(err, &e) {
			return nil, &rpc.Exception{Class: e.Class, Reason: e.Reason, Stack: e.Stack}
		}
		return v, err
	})
}

// GroupLeader is the pid of the node's group leader: an I/O server
// writing to Config.Output and reading Config.Input. Calls the node
// makes run with it as their group leader.
func (n *Node) GroupLeader() term.Pid { return n.l.GroupLeader().Pid() }

// GroupLeader is an I/O server process (OTP's io protocol: put_chars,
// get_line, get_chars, getopts, setopts, get_geometry): give its pid as
// the group leader of Erlang processes, local or remote, and their
// io:format output is written to its writer and their io:get_line reads
// its LineReader.
type GroupLeader struct {
	s *gl.Server
}

// NewGroupLeader starts a group leader writing to out (nil discards)
// and reading in (nil answers eof). Stop it when done.
func (n *Node) NewGroupLeader(out io.Writer, in LineReader) (*GroupLeader, error) {
	if out == nil {
		out = io.Discard
	}
	o := gl.Options{Out: out}
	if in != nil {
		o.In = in
	}
	s, err := gl.Start(n.l.Runtime(), o)
	if err != nil {
		return nil, err
	}
	return &GroupLeader{s: s}, nil
}

// Pid is the group leader's pid.
func (g *GroupLeader) Pid() term.Pid { return g.s.Pid() }

// Stop ends the group leader; I/O requests to it then fail as to a dead
// process.
func (g *GroupLeader) Stop() { g.s.Stop() }
