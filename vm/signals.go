package vm

import (
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// Send sends msg from this process to dest (see Runtime.Send).
func (p *Process) Send(dest term.Term, msg term.Term) error { return p.rt.Send(p.pid, dest, msg) }

// Send delivers msg from the process from to dest, which is a pid (local
// or remote), a registered name (atom), {Name, Node}, or an alias
// (reference). Like Erlang's `!`, a send to a dead pid or to a remote
// node is never an error; a send to an unregistered local name is
// (badarg in Erlang): ErrNoProc.
func (rt *Runtime) Send(from term.Pid, dest term.Term, msg term.Term) error {
	switch d := dest.(type) {
	case term.Pid:
		if rt.IsLocal(d) {
			if p := rt.procs.get(d); p != nil && !p.Dead() {
				p.deliver(msg)
			}
			return nil
		}
		if d.Node == rt.node {
			return nil // a pid of an earlier incarnation of this node
		}
		r, err := rt.routerFor(d.Node)
		if err != nil {
			return err
		}
		return r.Send(from, d, msg)
	case term.Atom:
		if !rt.DeliverRegSend(d, msg) {
			return fmt.Errorf("send to %s: %w", d, ErrNoProc)
		}
		return nil
	case term.Tuple:
		if len(d) == 2 {
			name, ok1 := d[0].(term.Atom)
			node, ok2 := d[1].(term.Atom)
			if ok1 && ok2 {
				if node == rt.node {
					if !rt.DeliverRegSend(name, msg) {
						return fmt.Errorf("send to {%s,%s}: %w", name, node, ErrNoProc)
					}
					return nil
				}
				r, err := rt.routerFor(node)
				if err != nil {
					return err
				}
				return r.RegSend(from, name, node, msg)
			}
		}
	case term.Ref:
		if rt.IsLocalRef(d) {
			rt.DeliverAlias(d, msg)
			return nil
		}
		r, err := rt.routerFor(d.Node)
		if err != nil {
			return err
		}
		return r.AliasSend(from, d, msg)
	}
	return fmt.Errorf("send to %v: bad destination (badarg)", dest)
}

// DeliverMessage puts msg in the mailbox of a local pid; it reports
// whether the process exists.
func (rt *Runtime) DeliverMessage(to term.Pid, msg term.Term) bool {
	p, ok := rt.Lookup(to)
	if ok {
		p.deliver(msg)
	}
	return ok
}

// DeliverRegSend delivers msg to the process registered as name.
func (rt *Runtime) DeliverRegSend(name term.Atom, msg term.Term) bool {
	rt.namesMu.RLock()
	p, ok := rt.names[name]
	rt.namesMu.RUnlock()
	if !ok || p.Dead() {
		return false
	}
	p.deliver(msg)
	return true
}

// DeliverAlias delivers msg to the process owning alias, if active.
func (rt *Runtime) DeliverAlias(alias term.Ref, msg term.Term) bool {
	rt.aliasMu.RLock()
	p, ok := rt.aliases[alias]
	rt.aliasMu.RUnlock()
	if !ok || p.Dead() {
		return false
	}
	p.deliver(msg)
	return true
}

// Alias creates an alias (erlang:alias/0): messages sent to the returned
// reference reach this process until Unalias.
func (p *Process) Alias() term.Ref {
	ref := p.rt.MakeRef()
	p.mu.Lock()
	if p.aliases == nil {
		p.aliases = make(map[term.Ref]struct{})
	}
	p.aliases[ref] = struct{}{}
	p.mu.Unlock()
	p.rt.aliasMu.Lock()
	p.rt.aliases[ref] = p
	p.rt.aliasMu.Unlock()
	return ref
}

// Unalias deactivates an alias; it reports whether it was active.
func (p *Process) Unalias(ref term.Ref) bool {
	p.mu.Lock()
	_, ok := p.aliases[ref]
	delete(p.aliases, ref)
	p.mu.Unlock()
	if ok {
		p.rt.aliasMu.Lock()
		delete(p.rt.aliases, ref)
		p.rt.aliasMu.Unlock()
	}
	return ok
}

// ---- links ----

// Link links the process to pid (erlang:link/1). Linking to a dead local
// process delivers a noproc exit signal, as in Erlang; a remote link that
// cannot be set up delivers noconnection.
func (p *Process) Link(pid term.Pid) {
	if pid == p.pid {
		return
	}
	if p.rt.IsLocal(pid) {
		if q, ok := p.rt.Lookup(pid); ok {
			p.linkLocal(q)
		} else {
			p.rt.deliverExit(pid, p, NoProc, false)
		}
		return
	}
	if !p.addLink(pid) {
		return
	}
	r, err := p.rt.routerFor(pid.Node)
	if err == nil {
		err = r.Link(p.pid, pid)
	}
	if err != nil {
		p.rt.deliverExit(pid, p, NoConnection, true)
	}
}

func (p *Process) addLink(pid term.Pid) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone.Load() {
		return false
	}
	if p.links == nil {
		p.links = make(map[term.Pid]struct{})
	}
	if _, ok := p.links[pid]; ok {
		return false
	}
	p.links[pid] = struct{}{}
	return true
}

func (p *Process) removeLink(pid term.Pid) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.links[pid]
	delete(p.links, pid)
	return ok
}

func (p *Process) linkLocal(q *Process) {
	if !q.addLink(p.pid) {
		if q.Dead() {
			p.rt.deliverExit(q.pid, p, NoProc, false)
		}
		return
	}
	if !p.addLink(q.pid) {
		q.removeLink(p.pid)
		return
	}
	if q.Dead() { // q died between the checks: its exit missed our link
		p.removeLink(q.pid)
		p.rt.deliverExit(q.pid, p, NoProc, false)
	}
}

// Unlink removes a link (erlang:unlink/1).
func (p *Process) Unlink(pid term.Pid) {
	if !p.removeLink(pid) {
		return
	}
	if p.rt.IsLocal(pid) {
		if q := p.rt.procs.get(pid); q != nil {
			q.removeLink(p.pid)
		}
		return
	}
	if r, err := p.rt.routerFor(pid.Node); err == nil {
		_ = r.Unlink(p.pid, pid)
	}
}

// Links returns the pids the process is linked to.
func (p *Process) Links() []term.Pid {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]term.Pid, 0, len(p.links))
	for l := range p.links {
		out = append(out, l)
	}
	return out
}

// RemoteLink records a link requested by a remote process. It returns
// ErrNoProc when the local process does not exist; the node then answers
// with a noproc exit signal.
func (rt *Runtime) RemoteLink(from, to term.Pid) error {
	p, ok := rt.Lookup(to)
	if !ok {
		return fmt.Errorf("link %v to %v: %w", from, to, ErrNoProc)
	}
	p.addLink(from)
	return nil
}

// RemoteUnlink removes a link at a remote process's request.
func (rt *Runtime) RemoteUnlink(from, to term.Pid) {
	if p, ok := rt.Lookup(to); ok {
		p.removeLink(from)
	}
}

// ---- exit signals ----

// ExitSignal sends an exit signal from `from` to `to`, as erlang:exit/2.
func (rt *Runtime) ExitSignal(from, to term.Pid, reason term.Term) error {
	if rt.IsLocal(to) {
		if p := rt.procs.get(to); p != nil {
			rt.deliverExit(from, p, reason, false)
		}
		return nil
	}
	r, err := rt.routerFor(to.Node)
	if err != nil {
		return err
	}
	return r.Exit(from, to, reason, false)
}

// RemoteExit delivers an exit signal from a remote process: link is true
// for a link-broken signal (EXIT/PAYLOAD_EXIT), false for exit/2.
func (rt *Runtime) RemoteExit(from, to term.Pid, reason term.Term, link bool) {
	if p, ok := rt.Lookup(to); ok {
		rt.deliverExit(from, p, reason, link)
	}
}

func (rt *Runtime) sendExit(from, to term.Pid, reason term.Term, link bool) {
	if rt.IsLocal(to) {
		if p := rt.procs.get(to); p != nil {
			rt.deliverExit(from, p, reason, link)
		}
		return
	}
	if r, err := rt.routerFor(to.Node); err == nil {
		_ = r.Exit(from, to, reason, link)
	}
}

// deliverExit applies Erlang's exit-signal rules to a local process.
func (rt *Runtime) deliverExit(from term.Pid, p *Process, reason term.Term, link bool) {
	if link && from != p.pid && !p.removeLink(from) {
		return // not linked (any more): a link exit is ignored
	}
	if !link && term.ExactEqual(reason, Kill) {
		p.terminate(Killed)
		return
	}
	if p.trap.Load() {
		p.deliver(term.Tuple{term.Atom("EXIT"), from, reason})
		return
	}
	if term.ExactEqual(reason, Normal) && from != p.pid {
		return
	}
	p.terminate(reason)
}

// ---- monitors ----

// Monitor monitors target (erlang:monitor(process, Target)): a pid, a
// registered name (atom) or {Name, Node}. When the target exits (or does
// not exist), the process receives {'DOWN', Ref, process, Item, Reason}.
func (p *Process) Monitor(target term.Term) (term.Ref, error) {
	rt := p.rt
	ref := rt.MakeRef()
	var (
		node term.Atom
		m    monitorOut
	)
	switch t := target.(type) {
	case term.Pid:
		node, m = t.Node, monitorOut{target: t, item: t, pid: t}
	case term.Atom:
		node, m = rt.node, monitorOut{target: t, item: term.Tuple{t, rt.node}}
	case term.Tuple:
		name, ok1 := tupleAtom(t, 0)
		n, ok2 := tupleAtom(t, 1)
		if len(t) != 2 || !ok1 || !ok2 {
			return term.Ref{}, fmt.Errorf("monitor %v: bad target (badarg)", target)
		}
		node, m = n, monitorOut{target: name, item: term.Tuple{name, n}}
	default:
		return term.Ref{}, fmt.Errorf("monitor %v: bad target (badarg)", target)
	}
	if node == rt.node {
		var q *Process
		if pid, ok := m.target.(term.Pid); ok {
			if rt.IsLocal(pid) {
				q, _ = rt.Lookup(pid)
			}
		} else if pid, ok := rt.WhereIs(m.target.(term.Atom)); ok {
			q, _ = rt.Lookup(pid)
			m.pid = pid
		}
		if q == nil || !q.addMonitoredBy(ref, monitorIn{owner: p.pid, item: m.item}) {
			p.deliver(downMessage(ref, m.item, NoProc))
			return ref, nil
		}
		p.addMonitoring(ref, m)
		return ref, nil
	}
	p.addMonitoring(ref, m)
	r, err := rt.routerFor(node)
	if err == nil {
		err = r.Monitor(p.pid, m.target, node, ref)
	}
	if err != nil {
		p.removeMonitoring(ref)
		p.deliver(downMessage(ref, m.item, NoConnection))
	}
	return ref, nil
}

func tupleAtom(t term.Tuple, i int) (term.Atom, bool) {
	if i >= len(t) {
		return "", false
	}
	a, ok := t[i].(term.Atom)
	return a, ok
}

func downMessage(ref term.Ref, item, reason term.Term) term.Term {
	return term.Tuple{term.Atom("DOWN"), ref, term.Atom("process"), item, reason}
}

func (p *Process) addMonitoring(ref term.Ref, m monitorOut) {
	p.mu.Lock()
	if p.monitoring == nil {
		p.monitoring = make(map[term.Ref]monitorOut)
	}
	p.monitoring[ref] = m
	p.mu.Unlock()
}

func (p *Process) removeMonitoring(ref term.Ref) (monitorOut, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.monitoring[ref]
	delete(p.monitoring, ref)
	return m, ok
}

func (p *Process) addMonitoredBy(ref term.Ref, m monitorIn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone.Load() {
		return false
	}
	if p.monitoredBy == nil {
		p.monitoredBy = make(map[term.Ref]monitorIn)
	}
	p.monitoredBy[ref] = m
	return true
}

// Demonitor removes a monitor (erlang:demonitor/2). With flush, a DOWN
// message for it already in the mailbox is removed too. It reports
// whether the monitor was active.
func (p *Process) Demonitor(ref term.Ref, flush bool) bool {
	m, ok := p.removeMonitoring(ref)
	if ok {
		p.dropMonitor(ref, m)
	}
	if flush {
		p.mb.take(func(msg term.Term) bool {
			t, ok := msg.(term.Tuple)
			return ok && len(t) == 5 && t[0] == term.Atom("DOWN") && t[1] == ref
		}, 0)
	}
	return ok
}

// dropMonitor removes the target side of a monitor this process held.
func (p *Process) dropMonitor(ref term.Ref, m monitorOut) {
	rt := p.rt
	var zero term.Pid
	if m.pid != zero && rt.IsLocal(m.pid) {
		if q := rt.procs.get(m.pid); q != nil {
			q.mu.Lock()
			delete(q.monitoredBy, ref)
			q.mu.Unlock()
		}
		return
	}
	node := m.pid.Node
	if m.pid == zero {
		if t, ok := m.item.(term.Tuple); ok && len(t) == 2 {
			node, _ = t[1].(term.Atom)
		}
	}
	if node == rt.node || node == "" {
		return
	}
	if r, err := rt.routerFor(node); err == nil {
		_ = r.Demonitor(p.pid, m.target, node, ref)
	}
}

// Monitors returns what the process monitors (pids or {Name, Node}).
func (p *Process) Monitors() []term.Term {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]term.Term, 0, len(p.monitoring))
	for _, m := range p.monitoring {
		out = append(out, m.item)
	}
	return out
}

// MonitoredBy returns the pids monitoring the process.
func (p *Process) MonitoredBy() []term.Pid {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]term.Pid, 0, len(p.monitoredBy))
	for _, m := range p.monitoredBy {
		out = append(out, m.owner)
	}
	return out
}

// sendDown tells the monitor owner that the target exited.
func (rt *Runtime) sendDown(owner term.Pid, ref term.Ref, item, reason term.Term) {
	if rt.IsLocal(owner) {
		rt.RemoteDown(owner, ref, reason)
		return
	}
	if r, err := rt.routerFor(owner.Node); err == nil {
		_ = r.Down(item, owner, ref, reason)
	}
}

// RemoteMonitor records a monitor a remote process (owner) holds on a
// local target (a pid or a registered name). It returns ErrNoProc if the
// target does not exist; the node then answers with a noproc DOWN.
func (rt *Runtime) RemoteMonitor(owner term.Pid, target term.Term, ref term.Ref) error {
	var p *Process
	switch t := target.(type) {
	case term.Pid:
		p, _ = rt.Lookup(t)
	case term.Atom:
		if pid, ok := rt.WhereIs(t); ok {
			p, _ = rt.Lookup(pid)
		}
	}
	if p == nil || !p.addMonitoredBy(ref, monitorIn{owner: owner, item: target}) {
		return fmt.Errorf("monitor %v from %v: %w", target, owner, ErrNoProc)
	}
	return nil
}

// RemoteDemonitor removes a monitor a remote process held.
func (rt *Runtime) RemoteDemonitor(owner term.Pid, target term.Term, ref term.Ref) {
	var p *Process
	switch t := target.(type) {
	case term.Pid:
		p, _ = rt.Lookup(t)
	case term.Atom:
		if pid, ok := rt.WhereIs(t); ok {
			p, _ = rt.Lookup(pid)
		}
	}
	if p != nil {
		p.mu.Lock()
		delete(p.monitoredBy, ref)
		p.mu.Unlock()
	}
}

// RemoteDown delivers the DOWN message of a monitor that the local
// process owner holds.
func (rt *Runtime) RemoteDown(owner term.Pid, ref term.Ref, reason term.Term) {
	p, ok := rt.Lookup(owner)
	if !ok {
		return
	}
	m, ok := p.removeMonitoring(ref)
	if !ok {
		return
	}
	p.deliver(downMessage(ref, m.item, reason))
}

// SetGroupLeaderOf sets the group leader of a local process (the
// GROUP_LEADER control message, or group_leader/2).
func (rt *Runtime) SetGroupLeaderOf(to, gl term.Pid) error {
	if rt.IsLocal(to) {
		p, ok := rt.Lookup(to)
		if !ok {
			return fmt.Errorf("group_leader for %v: %w", to, ErrNoProc)
		}
		p.SetGroupLeader(gl)
		return nil
	}
	r, err := rt.routerFor(to.Node)
	if err != nil {
		return err
	}
	return r.GroupLeader(gl, to)
}

// NodeDown applies a lost connection to node: local processes linked to
// its processes get a noconnection exit signal, monitors on its processes
// fire with noconnection, and monitors its processes held on local ones
// are dropped.
func (rt *Runtime) NodeDown(node term.Atom) {
	for _, pid := range rt.procs.pids() {
		p := rt.procs.get(pid)
		if p == nil {
			continue
		}
		var exits []term.Pid
		var downs []term.Ref
		p.mu.Lock()
		for l := range p.links {
			if l.Node == node {
				exits = append(exits, l)
			}
		}
		for ref, m := range p.monitoring {
			if monitorNode(m) == node {
				downs = append(downs, ref)
			}
		}
		for ref, m := range p.monitoredBy {
			if m.owner.Node == node {
				delete(p.monitoredBy, ref)
			}
		}
		p.mu.Unlock()
		for _, ref := range downs {
			rt.RemoteDown(p.pid, ref, NoConnection)
		}
		for _, l := range exits {
			rt.deliverExit(l, p, NoConnection, true)
		}
	}
}

func monitorNode(m monitorOut) term.Atom {
	var zero term.Pid
	if m.pid != zero {
		return m.pid.Node
	}
	if t, ok := m.item.(term.Tuple); ok && len(t) == 2 {
		n, _ := t[1].(term.Atom)
		return n
	}
	return ""
}

// AddRemoteMonitor records that owner monitors the remote process target
// under ref, without sending anything: the monitor was set up by another
// protocol step (a spawn request with the monitor option). The DOWN
// arrives through RemoteDown.
func (rt *Runtime) AddRemoteMonitor(owner term.Pid, ref term.Ref, target term.Pid) bool {
	p, ok := rt.Lookup(owner)
	if !ok {
		return false
	}
	p.addMonitoring(ref, monitorOut{target: target, item: target, pid: target})
	return true
}
