package codeload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// Options control loading.
type Options struct {
	// Timeout bounds each remote call (0: 60 s).
	Timeout time.Duration
	// Purge kills processes still running an old version instead of
	// refusing the load (BEAM: code:purge/1, as c:l/1 does).
	Purge bool
	// NoCheck sends modules even when avmsh's own check says the target
	// cannot load them (the node's answer is then reported).
	NoCheck bool
	// NoCompress sends BEAM targets the file as it is over serial links
	// too (by default it is gzip-compressed there).
	NoCompress bool
	// Persisting says the caller writes the modules into the board's
	// flash next (`avmsh load --persist`): the note on AtomVM results
	// says so instead of warning that a reboot reverts the load.
	Persisting bool
}

// Target is what a probe learnt about a node.
type Target struct {
	Node      term.Atom
	Kind      string // node.KindBEAM, node.KindAtomVM or node.KindAvmsh
	Transport string
	// Release is BEAM's otp_release ("25") or AtomVM's atomvm_version.
	Release string
	// CurrentFunction: the node answers process_info(_, current_function).
	CurrentFunction bool
}

func (t Target) String() string {
	switch t.Kind {
	case node.KindAtomVM:
		return "AtomVM " + t.Release
	case node.KindAvmsh:
		return "avmsh"
	}
	return "OTP " + t.Release
}

// Loader loads modules into nodes through one local node. It remembers
// what it learnt about each target, so a watch loop probes once. It is
// safe for concurrent use.
type Loader struct {
	Node *node.Node
	Opts Options

	mu      sync.Mutex
	targets map[term.Atom]Target
	noted   map[term.Atom]bool // the AtomVM notes were given for this node
}

// NewLoader returns a Loader using n.
func NewLoader(n *node.Node, o Options) *Loader {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	return &Loader{Node: n, Opts: o, targets: map[term.Atom]Target{}, noted: map[term.Atom]bool{}}
}

func (l *Loader) call(ctx context.Context, target term.Atom, mod, fun term.Atom, args ...term.Term) (term.Term, error) {
	return rpc.Call(ctx, l.Node, target, mod, fun, args, rpc.Options{Timeout: l.Opts.Timeout})
}

// Probe learns (once) what kind of node target is.
func (l *Loader) Probe(ctx context.Context, target term.Atom) (Target, error) {
	l.mu.Lock()
	t, ok := l.targets[target]
	l.mu.Unlock()
	if ok {
		if _, up := l.Node.Peer(target); up {
			return t, nil
		}
	}
	t = Target{Node: target}
	m, err := l.call(ctx, target, "erlang", "system_info", term.Atom("machine"))
	if err != nil {
		return t, err
	}
	machine, _ := term.CharList(m)
	switch machine {
	case "ATOM":
		t.Kind = node.KindAtomVM
		v, err := l.SystemInfo(ctx, target, "atomvm_version")
		if err != nil {
			return t, err
		}
		t.Release = v
		// AtomVM (up to 0.8 at least, context.c) answers no
		// current_function, and asking it about another process leaves
		// the asker waiting for ever: never ask. Checked against AtomVM
		// 7b282159 on 2026-12-06: badarg for the caller itself, no
		// answer in 10 s for another process.
		t.CurrentFunction = false
	case "AVMSH":
		t.Kind = node.KindAvmsh
	default:
		t.Kind = node.KindBEAM
		v, err := l.SystemInfo(ctx, target, "otp_release")
		if err != nil {
			return t, err
		}
		t.Release = v
		t.CurrentFunction = true
	}
	if p, ok := l.Node.Peer(target); ok {
		t.Transport = p.Transport
	}
	l.mu.Lock()
	l.targets[target] = t
	l.mu.Unlock()
	return t, nil
}

// SystemInfo is erlang:system_info(item) on target, as text (a string
// or a binary; "" for any other answer), called with the loader's
// timeout.
func (l *Loader) SystemInfo(ctx context.Context, target term.Atom, item string) (string, error) {
	v, err := l.call(ctx, target, "erlang", "system_info", term.Atom(item))
	if err != nil {
		return "", err
	}
	return text(v), nil
}

func text(v term.Term) string {
	if s, ok := term.CharList(v); ok {
		return s
	}
	if b, ok := v.(term.Binary); ok {
		return string(b)
	}
	return ""
}

// Load loads mods into target and returns one Result per module, in
// order. A target that cannot be reached gives Unreachable results.
func (l *Loader) Load(ctx context.Context, target term.Atom, mods []*Module) []Result {
	res := make([]Result, len(mods))
	for i, m := range mods {
		res[i] = Result{Node: target, Module: m.Name, Path: m.Path}
	}
	all := func(s Status, reason string, err error) []Result {
		for i := range res {
			res[i].Status, res[i].Reason, res[i].Err = s, reason, err
		}
		return res
	}
	t, err := l.Probe(ctx, target)
	if err != nil {
		switch {
		case errors.As(err, new(*rpc.CanceledError)):
			return all(Unreachable, ReasonInterrupted, err)
		case isDown(err):
			return all(Unreachable, ReasonDown, err)
		}
		return all(Refused, ReasonError, fmt.Errorf("probe %s: %w", target, err))
	}
	if t.Kind == node.KindAvmsh {
		return all(Refused, ReasonNoCode, fmt.Errorf("%s is an avmsh node: it runs no BEAM code, so it cannot load modules", target))
	}
	if t.Kind == node.KindAtomVM && l.firstNote(target) {
		atomVMNotes(&res[0], l.Opts.Persisting)
	}
	if !l.Opts.NoCheck && !checkAll(t, mods, res) {
		return res
	}
	switch t.Kind {
	case node.KindAtomVM:
		l.loadAtomVM(ctx, t, mods, res)
	default:
		l.loadBEAM(ctx, t, mods, res)
	}
	return res
}

// LoadAll loads mods into every target in parallel; results are grouped
// by target in the order given.
func (l *Loader) LoadAll(ctx context.Context, targets []term.Atom, mods []*Module) []Result {
	out := make([][]Result, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = l.Load(ctx, t, mods)
		}()
	}
	wg.Wait()
	var flat []Result
	for _, r := range out {
		flat = append(flat, r...)
	}
	return flat
}

// firstNote reports whether the notes about target are due: they are
// the same for every load, so a Loader (a watch loop) gives them once.
func (l *Loader) firstNote(target term.Atom) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := !l.noted[target]
	l.noted[target] = true
	return first
}

// checkAll checks every module against the target before any is sent:
// a node gets all the modules given or none, since they usually call
// each other. It reports false (and fills res) if one cannot be loaded.
func checkAll(t Target, mods []*Module, res []Result) bool {
	var bad []string
	for i, m := range mods {
		err := m.File.CheckOTP(t.Release)
		if t.Kind == node.KindAtomVM {
			err = m.File.CheckAtomVM(t.Release)
		}
		if err != nil {
			res[i].fail(Refused, ReasonIncompatible, "%w", err)
			bad = append(bad, m.Name)
		}
	}
	if len(bad) == 0 {
		return true
	}
	for i := range res {
		if res[i].Status == "" {
			res[i].fail(Refused, ReasonNotSent, "not sent: %s cannot be loaded by %s, and a node gets all the modules given or none (leave %s out, or load without avmsh's check)",
				strings.Join(bad, ", "), t, map[bool]string{true: "it", false: "them"}[len(bad) == 1])
		}
	}
	return false
}

func isDown(err error) bool {
	var nc *rpc.NoConnectionError
	var to *rpc.TimeoutError
	return errors.As(err, &nc) || errors.As(err, &to)
}

// maxSerialModule leaves room for the call's own terms in a 1 MiB
// serial frame (atomvm-dist spec §2.2).
const maxSerialModule = 1<<20 - 4096

// tooLarge refuses a module that cannot cross a serial link.
func tooLarge(t Target, r *Result, n int) bool {
	if t.Transport == "serial" && n > maxSerialModule {
		r.fail(Refused, ReasonTooLarge, "%s is %d bytes: more than fits one serial frame (1 MiB; serial links cannot fragment); load it over TCP, or reflash", r.Module, n)
		return true
	}
	return false
}
