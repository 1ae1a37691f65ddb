package shellhost

import (
	"context"
	"errors"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/term"
)

var _ eval.ProcessHost = (*Host)(nil)

func badarg() error {
	return &eval.Exception{Class: "error", Reason: term.Atom("badarg"), Stack: term.Nil}
}

// ProcessBIF runs the BIFs that act on the shell process itself (link,
// monitor, trap_exit, group_leader...) on the local shell process; the
// evaluator sends every other BIF to the target.
func (h *Host) ProcessBIF(_ context.Context, name term.Atom, args []term.Term) (term.Term, bool, error) {
	p := h.proc
	switch {
	case name == "link" && len(args) == 1:
		pid, ok := args[0].(term.Pid)
		if !ok {
			return nil, true, badarg()
		}
		p.Link(pid)
		return term.True, true, nil
	case name == "unlink" && len(args) == 1:
		pid, ok := args[0].(term.Pid)
		if !ok {
			return nil, true, badarg()
		}
		p.Unlink(pid)
		return term.True, true, nil
	case name == "monitor" && len(args) == 2:
		if args[0] != term.Atom("process") {
			return nil, false, nil
		}
		ref, err := p.Monitor(args[1])
		if err != nil {
			return nil, true, badarg()
		}
		return ref, true, nil
	case name == "demonitor" && (len(args) == 1 || len(args) == 2):
		ref, ok := args[0].(term.Ref)
		if !ok {
			return nil, true, badarg()
		}
		flush := false
		if len(args) == 2 {
			opts, ok := args[1].(term.List)
			if !ok {
				return nil, true, badarg()
			}
			for _, o := range opts {
				flush = flush || o == term.Atom("flush")
			}
		}
		p.Demonitor(ref, flush)
		return term.True, true, nil
	case name == "process_flag" && len(args) == 2 && args[0] == term.Atom("trap_exit"):
		on, ok := args[1].(term.Atom)
		if !ok || (on != term.True && on != term.False) {
			return nil, true, badarg()
		}
		return term.Bool(p.TrapExit(on == term.True)), true, nil
	case name == "group_leader" && len(args) == 0:
		return p.GroupLeader(), true, nil
	case name == "register" && len(args) == 2:
		n, ok1 := args[0].(term.Atom)
		pid, ok2 := args[1].(term.Pid)
		if !ok1 || !ok2 || !h.n.Runtime().IsLocal(pid) || n == "undefined" {
			return nil, false, nil // a remote pid: let the target answer
		}
		if err := h.n.Runtime().Register(n, pid); err != nil {
			return nil, true, badarg()
		}
		return term.True, true, nil
	case name == "unregister" && len(args) == 1:
		n, ok := args[0].(term.Atom)
		if !ok {
			return nil, true, badarg()
		}
		if err := h.n.Runtime().Unregister(n); err != nil {
			return nil, true, badarg()
		}
		return term.True, true, nil
	case name == "exit" && len(args) == 2:
		pid, ok := args[0].(term.Pid)
		if !ok {
			return nil, false, nil
		}
		if err := h.n.Runtime().ExitSignal(p.Self(), pid, args[1]); err != nil && !errors.Is(err, vm.ErrNoProc) {
			return nil, true, err
		}
		return term.True, true, nil
	}
	return nil, false, nil
}
