package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// CallError is a gen_server call that failed because the server went
// away: Reason is the DOWN reason (noproc, noconnection, or the exit
// reason of the server).
type CallError struct {
	Dest   term.Term
	Reason term.Term
}

func (e *CallError) Error() string {
	return fmt.Sprintf("call to %v failed: the server is down (%v)", e.Dest, e.Reason)
}

// GenCall makes a gen_server call to dest (a pid, or {Name, Node}) from a
// temporary process, like gen:call/4: it monitors the server, sends
// {'$gen_call', {Self, Ref}, Request} and waits for {Ref, Reply} or the
// DOWN. ctx bounds the wait.
func (n *Node) GenCall(ctx context.Context, dest term.Term, request term.Term) (term.Term, error) {
	p, err := n.rt.NewProcess(vm.SpawnOptions{Label: "gen:call/4"})
	if err != nil {
		return nil, err
	}
	defer p.Exit(vm.Normal)
	return GenCallFrom(ctx, p, dest, request)
}

// GenCallFrom is GenCall from an existing process (its mailbox receives
// the reply).
func GenCallFrom(ctx context.Context, p *vm.Process, dest term.Term, request term.Term) (term.Term, error) {
	mref, err := p.Monitor(dest)
	if err != nil {
		return nil, err
	}
	defer p.Demonitor(mref, true)
	msg := term.Tuple{term.Atom("$gen_call"), term.Tuple{p.Self(), mref}, request}
	if err := p.Send(dest, msg); err != nil {
		return nil, err
	}
	reply, err := p.Receive(ctx, func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		if !ok {
			return false
		}
		if len(t) == 2 && t[0] == mref {
			return true
		}
		return len(t) == 5 && t[0] == term.Atom("DOWN") && t[1] == mref
	}, vm.Infinity)
	if err != nil {
		return nil, fmt.Errorf("call to %v: %w", dest, err)
	}
	t := reply.(term.Tuple)
	if len(t) == 5 {
		return nil, &CallError{Dest: dest, Reason: t[4]}
	}
	return t[1], nil
}

// ErrPang is returned by Ping when the node cannot be reached.
var ErrPang = errors.New("pang")

// Ping checks that node is reachable and accepts us, like net_adm:ping/1
// (nil means pong). It connects if needed and asks the node's net_kernel
// {is_auth, Us}, which is how BEAM pings; AtomVM answers it too.
func (n *Node) Ping(ctx context.Context, node term.Atom) error {
	if node == n.name {
		return nil
	}
	if err := n.Connect(ctx, node); err != nil {
		return fmt.Errorf("%w: %w", ErrPang, err)
	}
	reply, err := n.GenCall(ctx, term.Tuple{term.Atom("net_kernel"), node}, term.Tuple{term.Atom("is_auth"), n.name})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPang, err)
	}
	if reply != term.Atom("yes") {
		return fmt.Errorf("%w: %s's net_kernel answered %v", ErrPang, node, reply)
	}
	return nil
}
