package source

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/leak"
	"github.com/avmsh/avmsh/vm/term"
)

// inspector implements Inspector, Observer and Trends: every read of a
// node goes through node/observe (one request per refresh on BEAM, the
// calls AtomVM answers on boards), and every overview and process
// table read feeds the leak watch.
type inspector struct{ env *env }

// Observe reads the sections secs of node n and samples its overview
// and process table into the leak watch.
func (in *inspector) Observe(ctx context.Context, n term.Atom, secs Section) (Snapshot, error) {
	return in.env.observe(ctx, n, secs)
}

// observe is Observer.Observe for every part of Live.
func (e *env) observe(ctx context.Context, n term.Atom, secs Section) (Snapshot, error) {
	s, err := e.obs.Poll(ctx, n, secs)
	e.sampled(ctx, s, "")
	return s, err
}

// sampled feeds a poll to the leak watch and the fleet log. transport
// is the node's when the caller knows it ("" if not): the fleet log,
// which records boards, then does not look the connection up again
// (the cluster view polls hundreds of nodes a second).
func (e *env) sampled(ctx context.Context, s Snapshot, transport string) {
	if s.Overview != nil {
		e.leaks.AddOverview(*s.Overview, s.At)
		if transport == "" || transport == "serial" {
			e.fleet.sawOverview(ctx, e, *s.Overview)
		}
	}
	if s.Procs != nil {
		e.leaks.AddProcs(*s.Procs)
	}
}

// Overview polls one node's header.
func (in *inspector) Overview(ctx context.Context, n term.Atom) (Overview, error) {
	s, err := in.Observe(ctx, n, observe.SecOverview)
	if s.Overview == nil {
		if err == nil {
			err = fmt.Errorf("no overview from %s", n)
		}
		return Overview{Node: n, Kind: s.Kind}, err
	}
	return *s.Overview, err
}

// Processes polls one node's process table.
func (in *inspector) Processes(ctx context.Context, n term.Atom) ([]Proc, error) {
	s, err := in.Observe(ctx, n, observe.SecProcs)
	if s.Procs == nil {
		if err == nil {
			err = fmt.Errorf("no process table from %s", n)
		}
		return nil, err
	}
	return s.Procs.Procs, err
}

// Process reads one process's details.
func (in *inspector) Process(ctx context.Context, pid term.Pid) (ProcDetail, error) {
	return in.env.obs.Process(ctx, pid)
}

// Trend is the leak watch's view of node n.
func (in *inspector) Trend(n term.Atom) Trend {
	return in.env.trend(n)
}

func (e *env) trend(n term.Atom) Trend { return TrendOf(e.leaks, n) }

// TrendOf is node n's Trend in the leak watch w.
func TrendOf(w *leak.Watch, n term.Atom) Trend {
	cfg := w.Config()
	t := Trend{Node: n, Metrics: w.Check(n), Procs: w.Procs(n), Window: cfg.Window, MinGrowth: cfg.MinGrowth}
	t.Leaking = len(t.Procs) > 0
	for _, v := range t.Metrics {
		t.Leaking = t.Leaking || v.Leaking
	}
	return t
}

// unsupported reports whether a snapshot lists section sec as
// unsupported.
func unsupported(s Snapshot, sec Section) bool {
	for _, u := range s.Unsupported {
		if u == sec.String() || strings.HasPrefix(u, sec.String()+":") {
			return true
		}
	}
	return false
}

// errNotAnswered is wrapped by the errors of sections a node cannot
// answer.
var errNotAnswered = errors.New("the node does not answer this")
