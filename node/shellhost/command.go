package shellhost

import (
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/term"
)

var _ eval.CommandHost = (*Host)(nil)

// A shell process can be killed by a signal at any moment of a command:
// inside a host operation (end reports it), or between two of them, say
// after spawn_link/3 returned and before the next call begins. The erl
// shell prints that exit instead of the command's value, and the
// rest of the command does not run; the shell brackets each command so
// that the host does the same instead of starting a new process for the
// next operation as if nothing had happened.

// BeginCommand opens a command. A death before it (the shell process
// was killed while the user was typing) is reported through OnExit, if
// the watcher has not done so yet, and the command starts a new process.
func (h *Host) BeginCommand() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cmd = true
	h.reportIdleDeathLocked()
}

// Killed returns exit:Reason when the shell process died during the
// current command and no operation has reported it yet.
func (h *Host) Killed() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.killedLocked()
}

// EndCommand closes the command. A death the command did not report
// (it ended with an error that is not Erlang's) goes to OnExit.
func (h *Host) EndCommand() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cmd = false
	h.reportIdleDeathLocked()
}

// killedLocked is Killed with h.mu held.
func (h *Host) killedLocked() error {
	if !h.killedUnreportedLocked() {
		return nil
	}
	h.told = h.proc
	return exitException(h.proc)
}

// killedPid returns the shell process's pid when it died during the
// current command and the death is not reported yet.
func (h *Host) killedPid() (term.Pid, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.killedUnreportedLocked() {
		return term.Pid{}, false
	}
	return h.proc.Self(), true
}

// killedUnreportedLocked reports whether the shell process died during
// the current command and nothing has said so yet (h.mu held).
func (h *Host) killedUnreportedLocked() bool {
	return h.cmd && !h.closed && h.proc.Dead() && h.told != h.proc
}

// reportIdleDeathLocked hands an unreported death to OnExit, on a
// goroutine of its own as the watcher does (h.mu held, no operation in
// progress).
func (h *Host) reportIdleDeathLocked() {
	p := h.proc
	if h.closed || h.busy > 0 || !p.Dead() || h.told == p {
		return
	}
	h.told = p
	if h.opts.OnExit != nil {
		go h.opts.OnExit(h.exitText(p.ExitReason()))
	}
}

// exitException is the exception an evaluation ends with when the shell
// process p was killed during it.
func exitException(p *vm.Process) error {
	return &eval.Exception{Class: "exit", Reason: p.ExitReason(), Stack: term.Nil}
}
