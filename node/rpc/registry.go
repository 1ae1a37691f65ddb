package rpc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Func is a Go function callable from Erlang as Module:Function/Arity.
// It returns the value, or an error: an *Exception raises that Erlang
// exception; any other error raises error:{avmsh_error, <<"message">>}.
type Func func(c *CallContext, args []term.Term) (term.Term, error)

// CallContext is what a Func knows about its call.
type CallContext struct {
	Node *node.Node
	// Process is the process running the call (it may send and receive).
	Process *vm.Process
	// Caller is the pid that made the call.
	Caller term.Pid
	// GroupLeader is the caller's group leader (for I/O).
	GroupLeader term.Pid
	// Ctx, when set, is the call's context: the shell cancels it on
	// Ctrl-C (it must also end when Process exits). Nil: the process's.
	Ctx context.Context
}

// Context returns a context cancelled when the call is abandoned (the
// call's process exits, or the shell interrupts it): blocking Funcs
// (timer:sleep, io:get_line) wait on it.
func (c *CallContext) Context() context.Context {
	if c.Ctx != nil {
		return c.Ctx
	}
	return c.Process.Context()
}

// Exception is an Erlang exception raised by a Func.
type Exception struct {
	Class  term.Atom // error, exit or throw
	Reason term.Term
	// Stack is the stack trace; nil gives [{Module, Function, Args, []}].
	Stack term.Term
}

func (e *Exception) Error() string { return fmt.Sprintf("%s:%s", e.Class, short(e.Reason)) }

// Raise returns an exception of class (error, exit or throw).
func Raise(class term.Atom, reason term.Term) error { return &Exception{Class: class, Reason: reason} }

// Badarg is error:badarg, what a function raises for bad arguments.
func Badarg() error { return Raise("error", term.Atom("badarg")) }

type funKey struct {
	name  term.Atom
	arity int
}

// Registry holds the Go functions served as Erlang modules. It is safe
// for concurrent use; plugins register their modules here.
type Registry struct {
	mu   sync.RWMutex
	mods map[term.Atom]map[funKey]Func
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{mods: make(map[term.Atom]map[funKey]Func)} }

// Register makes f callable as module:name/arity. Registering an existing
// function replaces it.
func (r *Registry) Register(module, name term.Atom, arity int, f Func) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.mods[module]
	if m == nil {
		m = make(map[funKey]Func)
		r.mods[module] = m
	}
	m[funKey{name, arity}] = f
}

// Lookup finds module:name/arity.
func (r *Registry) Lookup(module, name term.Atom, arity int) (Func, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.mods[module][funKey{name, arity}]
	return f, ok
}

// HasModule reports whether any function of module is registered.
func (r *Registry) HasModule(module term.Atom) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.mods[module]) > 0
}

// Modules lists registered modules.
func (r *Registry) Modules() []term.Atom {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]term.Atom, 0, len(r.mods))
	for m := range r.mods {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// Exports lists the {Function, Arity} pairs of a module, sorted.
func (r *Registry) Exports(module term.Atom) []term.Term {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]term.Term, 0, len(r.mods[module]))
	for k := range r.mods[module] {
		out = append(out, term.Tuple{k.name, term.Int(k.arity)})
	}
	slices.SortFunc(out, term.Compare)
	return out
}

// Apply runs module:name(args...) in process p and turns the outcome into
// (class, value-or-reason, stack): class is "return" for a value. An
// unknown function raises error:undef with OTP's stack shape.
func (r *Registry) Apply(c *CallContext, module, name term.Atom, args []term.Term) (class term.Atom, v term.Term, stack term.Term) {
	argList := term.List(args)
	if len(args) == 0 {
		argList = term.Nil
	}
	here := term.List{term.Tuple{module, name, argList, term.Nil}}
	f, ok := r.Lookup(module, name, len(args))
	if !ok {
		return "error", term.Atom("undef"), here
	}
	v, err := safeCall(f, c, args)
	if err == nil {
		return "return", v, nil
	}
	var ex *Exception
	if errors.As(err, &ex) {
		st := ex.Stack
		if st == nil {
			st = here
		}
		if ex.Class == "throw" || ex.Class == "exit" {
			return ex.Class, ex.Reason, st
		}
		return "error", ex.Reason, st
	}
	return "error", term.Tuple{term.Atom("avmsh_error"), term.Binary(err.Error())}, here
}

func safeCall(f Func, c *CallContext, args []term.Term) (v term.Term, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Exception{Class: "error", Reason: term.Tuple{term.Atom("go_panic"), term.Binary(fmt.Sprint(r))}}
		}
	}()
	return f(c, args)
}

func sortTerms(l term.List) { slices.SortFunc(l, term.Compare) }
