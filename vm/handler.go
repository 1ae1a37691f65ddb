package vm

import (
	"fmt"
	"runtime/debug"

	"github.com/avmsh/avmsh/vm/term"
)

// A Handler is the body of a process made with SpawnHandler: it is called
// with each message the process receives, in order, and returns nil to
// go on or the reason the process exits with. While it runs it owns the
// process like a Spawn body does (it may Receive, Send, Link, trap exits,
// and so on).
//
// Such a process holds no goroutine while its mailbox is empty: a
// goroutine is started when a message arrives and ends when the mailbox
// is empty again. An idle process then costs its Process and its table
// entry — a few hundred bytes — instead of a parked goroutine's stack of
// 2 KiB or more (docs/benchmarks.md). Servers that wait most of the time
// (net_kernel, a gen_server-like loop) are the natural users.
type Handler func(p *Process, msg term.Term) (exit term.Term)

// SpawnHandler starts a process whose body is h (see Handler).
func (rt *Runtime) SpawnHandler(h Handler, opts SpawnOptions) (*Process, term.Ref, error) {
	p, mref, err := rt.newProcess(opts)
	if err != nil {
		return nil, term.Ref{}, err
	}
	p.handler = h
	p.mb.mu.Lock()
	if !p.Dead() {
		p.mb.driven = true
		if p.mb.head < len(p.mb.q) { // a message came while it was being made
			p.mb.running = true
			defer p.startHandler()
		}
	}
	p.mb.mu.Unlock()
	return p, mref, nil
}

// deliver puts msg in the mailbox, starting the handler of an idle
// SpawnHandler process.
func (p *Process) deliver(msg term.Term) {
	if p.mb.put(msg) {
		p.startHandler()
	}
}

// startHandler runs the handler on a new goroutine until the mailbox is
// empty.
func (p *Process) startHandler() {
	p.rt.procs.wg.Add(1)
	go p.runHandler()
}

func (p *Process) runHandler() {
	defer p.rt.procs.wg.Done()
	for {
		msg, ok := p.mb.next()
		if !ok {
			return
		}
		if p.Dead() {
			continue // terminate emptied the mailbox; this drains a late arrival
		}
		p.reductions.Add(1)
		if reason := p.handle(msg); reason != nil {
			p.terminate(reason)
		}
	}
}

// handle runs the handler on one message; a panic ends the process as a
// panicking Spawn body does.
func (p *Process) handle(msg term.Term) (reason term.Term) {
	defer func() {
		if r := recover(); r != nil {
			p.rt.log.Error("process crashed", "pid", p.pid, "label", p.Label(), "panic", r, "stack", string(debug.Stack()))
			reason = term.Tuple{term.Atom("go_panic"), term.Binary(fmt.Sprint(r))}
		}
	}()
	return p.handler(p, msg)
}
