package source

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/term"
)

// fleetLog records in the fleet store (devices/fleet) what the
// dashboard sees of the boards it is connected to over serial: their
// AtomVM version, node name, up or down. A board is written only when
// what is seen of it changes.
type fleetLog struct {
	store *fleet.Store

	mu     sync.Mutex
	last   map[string]fleet.Observation // by board key: what was written
	devs   map[string]devices.Device    // by path, read at most every 5 s
	devsAt time.Time
}

func newFleetLog(s *fleet.Store) *fleetLog {
	return &fleetLog{store: s, last: map[string]fleet.Observation{}, devs: map[string]devices.Device{}}
}

// sawOverview records a board whose overview was just read.
func (f *fleetLog) sawOverview(ctx context.Context, e *env, ov Overview) {
	if f.store == nil {
		return
	}
	p, ok := e.n.Peer(ov.Node)
	if !ok || p.Transport != "serial" {
		return
	}
	o := fleet.Observation{Node: string(ov.Node), Up: true}
	if ov.Kind == node.KindAtomVM {
		o.AtomVM = strings.TrimPrefix(ov.Version, "AtomVM ")
	}
	f.seen(e, f.idOf(ctx, p, true), o)
}

// nodeEvent records a board going down.
func (f *fleetLog) nodeEvent(e *env, ev node.NodeEvent) {
	if f.store == nil || ev.Up || ev.Info.Transport != "serial" {
		return
	}
	f.seen(e, f.idOf(context.Background(), ev.Info, false), fleet.Observation{Node: string(ev.Node), Up: false})
}

// idOf identifies the board on a serial peer's port: by its USB serial
// number when the listing has it (list: read it again when older than
// 5 s), else by the port.
func (f *fleetLog) idOf(ctx context.Context, p node.PeerInfo, list bool) fleet.BoardID {
	f.mu.Lock()
	stale := time.Since(f.devsAt) > 5*time.Second
	f.mu.Unlock()
	if list && stale {
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		devs, err := devices.List(lctx, devices.ListOptions{})
		cancel()
		if err == nil {
			f.mu.Lock()
			f.devs, f.devsAt = map[string]devices.Device{}, time.Now()
			for _, d := range devs {
				f.devs[d.Path] = d
			}
			f.mu.Unlock()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, path := range []string{p.Remote, p.Local} {
		if d, ok := f.devs[path]; ok {
			return fleet.IDOf(d)
		}
	}
	path := p.Remote
	if !strings.HasPrefix(path, "/") && strings.HasPrefix(p.Local, "/") {
		path = p.Local
	}
	return fleet.BoardID{Port: path}
}

func (f *fleetLog) seen(e *env, id fleet.BoardID, o fleet.Observation) {
	key := id.Key()
	f.mu.Lock()
	if f.last[key] == o {
		f.mu.Unlock()
		return
	}
	f.last[key] = o
	f.mu.Unlock()
	if err := f.store.Seen(id, o); err != nil {
		e.log.Debug("fleet: record a board", "board", key, "err", err)
	}
}

// errNoFleet: the dashboard was started without a fleet store.
var errNoFleet = errors.New("no fleet store (the dashboard keeps it in $XDG_STATE_HOME/avmsh/fleet.json)")

// Fleet reads the fleet store; a board whose node is known is up when
// the dashboard is connected to it now.
func (l *Live) Fleet(context.Context) ([]FleetBoard, error) {
	if l.env.fleet.store == nil {
		return nil, errNoFleet
	}
	bs, err := l.env.fleet.store.Boards()
	if err != nil {
		return nil, err
	}
	for i := range bs {
		if bs[i].Node != "" {
			_, bs[i].Up = l.env.n.Peer(term.Atom(bs[i].Node))
		}
	}
	return bs, nil
}
