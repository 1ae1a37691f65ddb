package observe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/term"
)

// String names a single section (in Unsupported and in errors).
func (s Section) String() string {
	switch s {
	case SecOverview:
		return "overview"
	case SecProcs:
		return "processes"
	case SecETS:
		return "ets"
	case SecPorts:
		return "ports"
	case SecDist:
		return "distribution"
	case SecSched:
		return "schedulers"
	case SecApps:
		return "applications"
	case SecModules:
		return "modules"
	}
	return fmt.Sprintf("section(%#x)", uint16(s))
}

// Poll reads the sections secs of node n: on a BEAM node in ONE
// request; on AtomVM with the calls each section documents; on the local
// node from its runtime. Sections a node cannot answer are listed in
// Snapshot.Unsupported. The error is about the node as a whole
// (unreachable, or the request failed).
func (o *Observer) Poll(ctx context.Context, n term.Atom, secs Section) (Snapshot, error) {
	kind, err := o.kind(n)
	if err != nil {
		return Snapshot{Node: n}, err
	}
	if o.local(n) {
		return o.pollLocal(secs), nil
	}
	if kind == node.KindBEAM {
		s, err := o.pollBEAM(ctx, n, secs)
		if !errors.Is(err, errNoEval) {
			return s, err
		}
		o.setLacking(n, "erl_eval") // another avmsh that looks like BEAM
		kind = node.KindAvmsh
	}
	s := Snapshot{Node: n, Kind: kind}
	start := time.Now()
	var firstErr error
	note := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	if secs&SecOverview != 0 {
		ov, err := o.overviewCalls(ctx, n, kind)
		ov.Node = n
		if err != nil {
			note(err)
		} else {
			s.Overview = &ov
		}
	}
	if secs&SecProcs != 0 {
		t, err := o.procCalls(ctx, n, kind)
		if err != nil {
			note(err)
		} else {
			s.Procs = &t
		}
	}
	if secs&SecModules != 0 {
		l, err := o.moduleCalls(ctx, n)
		switch {
		case errors.Is(err, errLacks) || isUndefOrBadarg(err):
			s.Unsupported = append(s.Unsupported, SecModules.String())
		case err != nil:
			note(err)
		default:
			s.Modules = &l
		}
	}
	s.At, s.RTT = time.Now(), time.Since(start)
	if s.Overview != nil && s.Overview.RTT == 0 {
		s.Overview.RTT = s.RTT
	}
	for _, sec := range []Section{SecETS, SecPorts, SecDist, SecSched, SecApps} {
		if secs&sec != 0 {
			s.Unsupported = append(s.Unsupported, sec.String())
		}
	}
	return s, firstErr
}

// Overview reads a node's header (one request on BEAM).
func (o *Observer) Overview(ctx context.Context, n term.Atom) (Overview, error) {
	s, err := o.Poll(ctx, n, SecOverview)
	if s.Overview == nil {
		if err == nil {
			err = fmt.Errorf("no overview from %s", n)
		}
		return Overview{Node: n, Kind: s.Kind}, err
	}
	return *s.Overview, err
}

// Processes reads a node's process table (one request on BEAM).
func (o *Observer) Processes(ctx context.Context, n term.Atom) (ProcTable, error) {
	s, err := o.Poll(ctx, n, SecProcs)
	if s.Procs == nil {
		if err == nil {
			err = fmt.Errorf("no process table from %s", n)
		}
		return ProcTable{Node: n}, err
	}
	return *s.Procs, err
}

// expr is beamExpr(secs), built once.
func (o *Observer) expr(secs Section) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.exprs[secs]
	if !ok {
		e = beamExpr(secs)
		o.exprs[secs] = e
	}
	return e
}

// errNoEval: the node has no erl_scan (not a BEAM node after all).
var errNoEval = errors.New("the node has no erl_scan/erl_eval")

func (o *Observer) pollBEAM(ctx context.Context, n term.Atom, secs Section) (Snapshot, error) {
	s := Snapshot{Node: n, Kind: node.KindBEAM}
	start := time.Now()
	var v term.Term
	var err error
	if r, ok := o.cfg.Conn.(Requester); ok {
		v, err = o.agentEval(ctx, r, n, o.expr(secs), o.beamBindings(secs))
	} else {
		v, err = o.beamEval(ctx, n, o.expr(secs), o.beamBindings(secs))
	}
	s.At, s.RTT = time.Now(), time.Since(start)
	if err != nil {
		return s, err
	}
	return s.fromBEAM(secs, v)
}

// fromBEAM fills s (Node, At and RTT set) from v, the value of the poll
// expression of secs.
func (s Snapshot) fromBEAM(secs Section, v term.Term) (Snapshot, error) {
	n := s.Node
	t, _ := v.(term.Tuple)
	i := 0
	if withClock(secs) {
		i = 2
	}
	want := i
	for _, b := range beamSections {
		if secs&b.sec != 0 {
			want++
		}
	}
	if len(t) != want {
		return s, fmt.Errorf("unexpected poll answer from %s: %d elements, want %d", n, len(t), want)
	}
	var poller term.Pid
	if withClock(secs) {
		s.Clock = intOf(t[0])
		poller, _ = t[1].(term.Pid)
	}
	for _, b := range beamSections {
		if secs&b.sec == 0 {
			continue
		}
		val := t[i]
		i++
		if ex, ok := tuple(val, 2); ok && ex[0] == term.Atom("EXIT") {
			s.Unsupported = append(s.Unsupported, b.sec.String()+": "+writeTerm(ex[1]))
			continue
		}
		s.decodeBEAM(b.sec, val, poller)
	}
	if secs&SecOverview != 0 && s.Overview == nil {
		return s, fmt.Errorf("unexpected stats from %s", n)
	}
	return s, nil
}

// decodeBEAM fills the part of s that sec's value carries.
func (s *Snapshot) decodeBEAM(sec Section, val term.Term, poller term.Pid) {
	switch sec {
	case SecOverview:
		if ov, ok := decodeOverview(val); ok {
			ov.Node, ov.Kind, ov.RTT = s.Node, node.KindBEAM, s.RTT
			s.Overview = &ov
		}
	case SecProcs:
		procs := slices.DeleteFunc(decodeProcs(val), func(p Proc) bool { return p.Pid == poller })
		s.Procs = &ProcTable{Node: s.Node, At: s.At, Clock: s.Clock,
			Fields: FieldReductions | FieldCurrent | FieldStatus, Procs: procs}
	case SecETS:
		s.ETS = decodeETS(val, s.Node)
	case SecPorts:
		s.Ports = decodePorts(val)
	case SecDist:
		s.Dist = decodeDist(val)
	case SecSched:
		s.Sched = decodeSched(val)
	case SecApps:
		s.Apps = decodeApps(val)
	case SecModules:
		s.Modules = decodeModules(val)
	}
}
