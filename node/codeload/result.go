package codeload

import (
	"fmt"
	"time"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Status is the outcome for one module on one node.
type Status string

// Outcomes.
const (
	Loaded      Status = "loaded"
	Refused     Status = "refused"     // the node (or avmsh's check) would not take it
	Unreachable Status = "unreachable" // the node is down or the connection was lost
)

// Reasons a module was not loaded (Result.Reason).
const (
	ReasonIncompatible = "incompatible"    // compiled for a newer OTP / opcodes AtomVM lacks
	ReasonNotSent      = "not_sent"        // held back: another module for the node is incompatible
	ReasonNotPurged    = "not_purged"      // processes still run the old version
	ReasonBadFile      = "badfile"         // the node's loader rejected the file
	ReasonOnLoad       = "on_load_failure" // its -on_load function failed
	ReasonSticky       = "sticky_directory"
	ReasonNoCode       = "no_code_loading" // an avmsh node: no BEAM code runs there
	ReasonTooLarge     = "too_large"       // does not fit a serial frame
	ReasonDown         = "nodedown"
	ReasonInterrupted  = "interrupted" // the caller gave up (Ctrl-C) before the node answered
	ReasonError        = "error"
)

// Proc is a process on the target, for the report.
type Proc struct {
	Pid  term.Pid
	Name term.Atom // registered name, "" if none
	// Function is its current function, "mod:fun/arity" ("" if unknown).
	Function string
}

func (p Proc) String() string {
	s := syntax.Write(p.Pid, syntax.Options{Encoding: syntax.Unicode})
	if p.Name != "" {
		s += " (" + string(p.Name) + ")"
	}
	if p.Function != "" {
		s += " in " + p.Function
	}
	return s
}

// Result is the outcome for one module on one node.
type Result struct {
	Node   term.Atom
	Module string
	Path   string
	Status Status
	Reason string
	Err    error
	// Running are the processes that were executing the module when it
	// was replaced (they continue in the code they are in; see the
	// package doc). Unknown (nil) on an AtomVM that cannot tell.
	Running []Proc
	// OldCode are processes still running the previous old version: they
	// blocked the load (not_purged), or were killed by Options.Purge.
	OldCode []Proc
	Killed  bool
	// Notes say what the user should know (AtomVM semantics, ...); those
	// that hold for every load into a node come once per Loader.
	Notes []string
	Bytes int
	Took  time.Duration
}

// Summary is the result in one line, as `avmsh load` and the dashboard
// print it: "mod → node: loaded (1234 bytes, 3.2 ms)", or the status and
// the reason ("mod → node: refused (not_purged)"; Err and Notes say more).
func (r Result) Summary() string {
	if r.Status == Loaded {
		return fmt.Sprintf("%s → %s: loaded (%d bytes, %.1f ms)", r.Module, r.Node, r.Bytes, float64(r.Took.Microseconds())/1000)
	}
	return fmt.Sprintf("%s → %s: %s (%s)", r.Module, r.Node, r.Status, r.Reason)
}

func (r *Result) fail(s Status, reason string, format string, args ...any) {
	r.Status, r.Reason, r.Err = s, reason, fmt.Errorf(format, args...)
}
