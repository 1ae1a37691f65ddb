package vm

import "github.com/avmsh/avmsh/vm/term"

// Router carries signals to processes on other nodes. The distribution
// node implements it and installs it with Runtime.SetRouter. Methods must
// not block on the network: a signal for a node that is not connected is
// queued while the connection is set up (auto-connect), and an error means
// the signal could not be queued at all (the node is unreachable).
type Router interface {
	// Send sends msg to a remote pid.
	Send(from, to term.Pid, msg term.Term) error
	// RegSend sends msg to {name, node}.
	RegSend(from term.Pid, name, node term.Atom, msg term.Term) error
	// AliasSend sends msg to a remote alias.
	AliasSend(from term.Pid, alias term.Ref, msg term.Term) error
	// Link and Unlink set up and remove the remote half of a link.
	Link(from, to term.Pid) error
	Unlink(from, to term.Pid) error
	// Exit sends an exit signal: link is true when a linked process
	// exited, false for erlang:exit/2.
	Exit(from, to term.Pid, reason term.Term, link bool) error
	// Monitor asks node to monitor target (a pid or a registered name)
	// for from, identified by ref; Demonitor removes it.
	Monitor(from term.Pid, target term.Term, node term.Atom, ref term.Ref) error
	Demonitor(from term.Pid, target term.Term, node term.Atom, ref term.Ref) error
	// Down reports to a remote monitor owner that the monitored item
	// (the pid or name it gave) exited with reason.
	Down(item term.Term, owner term.Pid, ref term.Ref, reason term.Term) error
	// GroupLeader sets the group leader of a remote process.
	GroupLeader(gl, to term.Pid) error
}
