package source

import (
	"sync"

	"github.com/avmsh/avmsh/node"
)

// Live is the Source backed by a running avmsh node. Each concern is a
// part with its own state and lock: cluster (Nodes, Connections),
// inspector (Inspector, Observer, Trends), signals (Signals, EventFeed),
// boards (Boards), code (Code), flasher (Flasher), Fleet (fleet.go);
// the shells (Shells) are Live's own (remoteshell.go).
type Live struct {
	*cluster
	*inspector
	*signals
	*boards
	*code
	*flasher

	env *env
	n   *node.Node

	mu      sync.Mutex
	remotes []*remoteShell // the shell sessions started by RemoteShell
}

// NewLive starts the watcher process (monitors, links and messages the
// TUI asked for show up as events) and follows node events.
func NewLive(cfg Config) (*Live, error) {
	e, err := newEnv(cfg)
	if err != nil {
		return nil, err
	}
	cl := newCluster(e)
	l := &Live{cluster: cl, inspector: &inspector{env: e}, boards: newBoards(e), code: newCode(e),
		env: e, n: e.n}
	l.flasher = newFlasher(e, cl.Connect)
	e.crashes.boards = l.boards
	e.crashes.follow() // the ports opened at start
	l.signals = newSignals(e, func(ev node.NodeEvent) {
		if ev.Up { // it may run other code now: ask again
			e.obs.Forget(ev.Node)
		}
		e.crashes.follow()
		e.fleet.nodeEvent(e, ev)
		cl.nodeEvent(ev)
	})
	return l, nil
}

// Close stops the watcher, the shells and the consoles.
func (l *Live) Close() {
	l.mu.Lock()
	remotes := l.remotes
	l.remotes = nil
	l.mu.Unlock()
	for _, r := range remotes {
		r.Stop()
	}
	l.flasher.close()
	l.env.crashes.close()
	l.boards.close()
	l.signals.close()
}
