package source

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/vm/term"
)

// cluster implements Nodes and Connections: discovery in epmd, the
// connections, one stats request per connected node and poll, and the
// boards plugged in.
type cluster struct {
	env *env

	mu      sync.Mutex
	rows    map[term.Atom]*NodeRow // nodes connected to (now or before)
	entries map[entryKey]*entry    // what epmd lists (see names.go)

	boardsAt  time.Time
	boardRows []NodeRow
}

func newCluster(e *env) *cluster {
	return &cluster{env: e, rows: map[term.Atom]*NodeRow{}, entries: map[entryKey]*entry{}}
}

// LocalName is the TUI's node.
func (cl *cluster) LocalName() term.Atom { return cl.env.n.Name() }

// Cluster discovers nodes (epmd on the configured hosts, connections),
// connects to new ones when AutoConnect is set, and polls each
// connected node once (in parallel, bounded by ctx).
func (cl *cluster) Cluster(ctx context.Context) ([]NodeRow, error) {
	cl.discover(ctx)
	cl.env.crashes.follow()
	now := time.Now()
	peers := cl.env.n.Nodes()
	cl.mu.Lock()
	cl.reconcile(peers, now)
	cl.matchPeers(peers)
	var probe []*entry
	if cl.env.autoConnect {
		probe = cl.toProbe(now)
	}
	cl.mu.Unlock()

	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, e := range probe {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			_, _ = cl.probe(cctx, e)
		}()
	}
	wg.Wait()
	if len(probe) > 0 {
		peers = cl.env.n.Nodes() // with the nodes just connected
	}
	cl.pollAll(ctx, peers)

	out := []NodeRow{cl.localRow(ctx)}
	cl.mu.Lock()
	for _, r := range cl.rows {
		out = append(out, *r)
	}
	out = append(out, cl.entryRows()...)
	cl.mu.Unlock()
	out = append(out, cl.boards(ctx, peers)...)
	sort.Slice(out[1:], func(i, j int) bool { return out[i+1].Name < out[j+1].Name })
	return out, nil
}

// reconcile brings the rows in line with peers, the connections listed
// at taken. A nodeup or nodedown that arrived after taken (nodeEvent
// stamps Since) is newer than the list and wins: without that, a node
// that went down between the listing and this call would be marked up
// again, and stay up, since no later list names it. A row marked up
// that the list no longer names, with no newer event, is down (its
// nodedown may still be on its way). Called with cl.mu held.
func (cl *cluster) reconcile(peers []node.PeerInfo, taken time.Time) {
	listed := make(map[term.Atom]bool, len(peers))
	for _, p := range peers {
		listed[p.Node] = true
		r := cl.rows[p.Node]
		if r == nil {
			r = &NodeRow{Name: p.Node, Since: taken}
			cl.rows[p.Node] = r
		}
		r.Kind, r.Transport, r.Where = p.Kind, p.Transport, p.Remote
		switch {
		case r.State != StateDown:
			r.State = StateUp
		case !r.Since.After(taken): // back up: its nodeup may still be on its way
			r.State, r.Since = StateUp, taken
		}
	}
	for name, r := range cl.rows {
		if !listed[name] && r.State == StateUp && !r.Since.After(taken) {
			r.State, r.Since = StateDown, taken
		}
	}
}

// localRow is the dashboard's own node, read from its runtime (and
// sampled into the leak watch, as every node).
func (cl *cluster) localRow(ctx context.Context) NodeRow {
	n := cl.env.n.Name()
	r := NodeRow{Name: n, Kind: node.KindAvmsh, Transport: "-", State: StateLocal, Since: cl.env.started, Version: "avmsh"}
	if s, err := cl.env.observe(ctx, n, observe.SecOverview); err == nil && s.Overview != nil {
		r.Procs, r.Memory, r.Uptime = s.Overview.ProcCount, s.Overview.Memory["total"], s.Overview.Uptime
	}
	return r
}

// boards lists serial boards that are plugged in but not connected as
// nodes (hot-plug: the USB enumeration is re-read at most every 5 s);
// peers are the connections.
func (cl *cluster) boards(ctx context.Context, peers []node.PeerInfo) []NodeRow {
	cl.mu.Lock()
	if time.Since(cl.boardsAt) > 5*time.Second {
		cl.boardsAt = time.Now()
		cl.mu.Unlock()
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		// Boards only: who else has a port open (a scan of every
		// process's open files) is the devices view's business.
		devs, err := devices.List(dctx, devices.ListOptions{SkipAccess: true})
		cancel()
		cl.mu.Lock()
		if err == nil {
			cl.boardRows = cl.boardRows[:0]
			for _, d := range devs {
				if d.Board == nil {
					continue
				}
				cl.boardRows = append(cl.boardRows, NodeRow{Name: term.Atom("serial:" + d.Path), Kind: d.Board.Name,
					Transport: "serial", Where: d.Path, State: StateSeen})
			}
		}
	}
	rows := append([]NodeRow(nil), cl.boardRows...)
	cl.mu.Unlock()
	connected := map[string]bool{}
	for _, p := range peers {
		if p.Transport == "serial" {
			connected[p.Remote], connected[p.Local] = true, true
		}
	}
	out := rows[:0]
	for _, r := range rows {
		if !connected[r.Where] {
			out = append(out, r)
		}
	}
	return out
}

// pollWorkers is how many nodes are polled one by one at a time (see
// observe.PollMany).
const pollWorkers = 16

// pollAll refreshes the connected nodes' figures: one overview request
// each (which the leak watch samples), the BEAM nodes' sent together.
func (cl *cluster) pollAll(ctx context.Context, peers []node.PeerInfo) {
	names := make([]term.Atom, len(peers))
	for i, p := range peers {
		names[i] = p.Node
	}
	res := cl.env.obs.PollMany(ctx, names, observe.SecOverview, observe.ManyOptions{Workers: pollWorkers, Timeout: 2 * time.Second})
	for i, r := range res {
		cl.env.sampled(ctx, r.Snapshot, peers[i].Transport)
		cl.setStats(peers[i].Node, r.Snapshot, r.Err)
	}
}

// setStats updates the row of n with its poll.
func (cl *cluster) setStats(n term.Atom, s Snapshot, err error) {
	var o Overview
	if s.Overview != nil {
		o = *s.Overview
	} else if err == nil {
		err = fmt.Errorf("no overview from %s", n)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	r := cl.rows[n]
	if r == nil {
		return
	}
	if err != nil {
		r.Err = err.Error()
		return
	}
	r.Err, r.RTT, r.Version, r.Procs, r.Uptime = "", s.RTT, o.Version, o.ProcCount, o.Uptime
	r.Memory = o.Memory["total"]
	if o.Kind != "" {
		r.Kind = o.Kind
	}
}

// nodeEvent follows a nodeup or nodedown in the rows.
func (cl *cluster) nodeEvent(ev node.NodeEvent) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if r := cl.rows[ev.Node]; r != nil {
		r.Since = time.Now()
		if ev.Up {
			r.State = StateUp
		} else {
			r.State, r.Err = StateDown, ev.Reason
		}
	}
}

// Connect connects to a node name ("app" is completed with this node's
// host, as erl does) or serial:PORT, through localnode as the CLI does.
// A name without a host that epmd lists is looked up there first (its
// host part is learnt from the node itself, and a node of the other
// name mode is refused with the reason).
func (cl *cluster) Connect(ctx context.Context, spec string) (term.Atom, error) {
	t, err := cl.env.local.ParseTarget(spec)
	if err != nil {
		return "", err
	}
	if !t.IsSerial() && !strings.Contains(spec, "@") {
		if e := cl.entryNamed(spec); e != nil {
			return cl.probe(ctx, e)
		}
	}
	if err := cl.env.local.ConnectTarget(ctx, &t); err != nil {
		if real, ok := reachedName(err); ok {
			return t.Node, fmt.Errorf("%s answered as %s (connect to that name): %w", t.Node, real, err)
		}
		return t.Node, err
	}
	if t.IsSerial() {
		cl.env.dialedPort(t.Serial)
		cl.env.crashes.follow()
	}
	cl.connected(t.Node)
	return t.Node, nil
}

// connected adds a row for a node just connected to.
func (cl *cluster) connected(name term.Atom) {
	cl.mu.Lock()
	if cl.rows[name] == nil {
		cl.rows[name] = &NodeRow{Name: name, State: StateUp, Since: time.Now()}
	}
	cl.mu.Unlock()
}

// Disconnect drops the connection to node.
func (cl *cluster) Disconnect(node term.Atom) error {
	if !cl.env.n.Disconnect(node) {
		return fmt.Errorf("not connected to %s", node)
	}
	return nil
}
