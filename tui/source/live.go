package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Config configures Live.
type Config struct {
	// Node is the TUI's own node; Registry serves its built-in modules.
	Node     *node.Node
	Registry *rpc.Registry
	// GroupLeader receives remote output of shell evaluations.
	GroupLeader *term.Pid
	// EpmdHosts are polled for registered nodes ("localhost" by default);
	// EpmdPort is their epmd port (4369 or ERL_EPMD_PORT).
	EpmdHosts []string
	EpmdPort  int
	// AutoConnect connects (hidden) to the nodes epmd lists.
	AutoConnect bool
	// MaxProcs caps the rows of one process table poll.
	MaxProcs int
	// Dial connects to a serial:PORT target and returns its node name
	// (nil: serial targets are refused).
	Dial func(ctx context.Context, spec string) (term.Atom, error)
	// Ports lists the serial ports the node has open (console, reset).
	Ports func() []*serialdist.Port
	// Logger receives debug logs (nil: discarded).
	Logger *slog.Logger
}

// Live is the Source backed by a running avmsh node.
type Live struct {
	cfg     Config
	n       *node.Node
	watcher *vm.Process
	events  chan Event
	stop    func()
	done    chan struct{}

	mu       sync.Mutex
	rows     map[term.Atom]*NodeRow
	failed   map[term.Atom]time.Time // auto-connect failures (retried after a while)
	parsed   map[string]term.Term    // node + expression → erl_parse result
	lacks    map[string]bool         // node + call → the node answered undef/badarg (optional)
	shells   map[term.Atom]*shellState
	remotes  []*remoteShell // OTP shells started by RemoteShell
	started  time.Time
	consoles map[string]*console // by device path

	boardsAt  time.Time
	boardRows []NodeRow
}

type shellState struct {
	s *shell.Session
	h *shellhost.Host
}

// NewLive starts the watcher process (monitors, links and messages the
// TUI asked for show up as events) and follows node events.
func NewLive(cfg Config) (*Live, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.EpmdHosts) == 0 {
		cfg.EpmdHosts = []string{"localhost"}
	}
	if cfg.EpmdPort == 0 {
		cfg.EpmdPort = 4369
	}
	if cfg.MaxProcs == 0 {
		cfg.MaxProcs = 5000
	}
	w, err := cfg.Node.Runtime().NewProcess(vm.SpawnOptions{Label: "avmsh:tui_watcher/0"})
	if err != nil {
		return nil, err
	}
	w.TrapExit(true)
	l := &Live{cfg: cfg, n: cfg.Node, watcher: w, events: make(chan Event, 256), done: make(chan struct{}),
		rows: map[term.Atom]*NodeRow{}, failed: map[term.Atom]time.Time{}, parsed: map[string]term.Term{}, lacks: map[string]bool{},
		shells: map[term.Atom]*shellState{}, started: time.Now(), consoles: map[string]*console{}}
	evs, unsub := cfg.Node.Subscribe(64)
	l.stop = unsub
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ev := range evs {
			kind, text := EvNodeUp, "nodeup over "+ev.Info.Transport
			if !ev.Up {
				kind, text = EvNodeDown, "nodedown: "+ev.Reason
			}
			l.mu.Lock()
			if ev.Up { // it may run other code now: ask again
				for k := range l.lacks {
					if strings.HasPrefix(k, string(ev.Node)+" ") {
						delete(l.lacks, k)
					}
				}
			}
			if r := l.rows[ev.Node]; r != nil {
				r.Since = time.Now()
				if ev.Up {
					r.State = StateUp
				} else {
					r.State, r.Err = StateDown, ev.Reason
				}
			}
			l.mu.Unlock()
			l.emit(Event{At: time.Now(), Kind: kind, Node: ev.Node, Text: text})
		}
	}()
	go func() {
		defer wg.Done()
		for {
			m, err := w.Receive(w.Context(), nil, vm.Infinity)
			if err != nil {
				return
			}
			l.emit(watcherEvent(m))
		}
	}()
	go func() { wg.Wait(); close(l.done) }()
	return l, nil
}

// Close stops the watcher and the shells.
func (l *Live) Close() {
	l.mu.Lock()
	for _, s := range l.shells {
		s.h.Close()
	}
	l.shells = map[term.Atom]*shellState{}
	remotes := l.remotes
	l.remotes = nil
	for _, c := range l.consoles {
		c.stop()
	}
	l.consoles = map[string]*console{}
	l.mu.Unlock()
	for _, r := range remotes {
		r.Stop()
	}
	l.stop()
	l.watcher.Exit(vm.Normal)
	<-l.done
}

func (l *Live) emit(e Event) {
	select {
	case l.events <- e:
	default: // a full log drops events rather than blocking the node
	}
}

func watcherEvent(m term.Term) Event {
	e := Event{At: time.Now(), Kind: EvMessage, Text: syntax.Write(m, syntax.Options{Encoding: syntax.Unicode})}
	if t, ok := m.(term.Tuple); ok {
		switch {
		case len(t) == 5 && t[0] == term.Atom("DOWN"):
			e.Kind = EvDown
			e.Text = fmt.Sprintf("%s %s: %s", syntax.Write(t[2], syntax.Options{}), syntax.Write(t[3], syntax.Options{}), syntax.Write(t[4], syntax.Options{Encoding: syntax.Unicode}))
			if p, ok := t[3].(term.Pid); ok {
				e.Node = p.Node
			}
		case len(t) == 3 && t[0] == term.Atom("EXIT"):
			e.Kind = EvExit
			e.Text = fmt.Sprintf("%s: %s", syntax.Write(t[1], syntax.Options{}), syntax.Write(t[2], syntax.Options{Encoding: syntax.Unicode}))
			if p, ok := t[1].(term.Pid); ok {
				e.Node = p.Node
			}
		}
	}
	return e
}

// LocalName is the TUI's node.
func (l *Live) LocalName() term.Atom { return l.n.Name() }

// Events delivers monitor events.
func (l *Live) Events() <-chan Event { return l.events }

// hostPart is the host of the local node's name (for nodes epmd lists
// on "localhost").
func (l *Live) hostPart() string {
	_, h, _ := node.SplitNodeName(string(l.n.Name()))
	return h
}

// Cluster discovers nodes (epmd on the configured hosts, connections),
// connects to new ones when AutoConnect is set, and polls each
// connected node once (in parallel, bounded by ctx).
func (l *Live) Cluster(ctx context.Context) ([]NodeRow, error) {
	var discovered []term.Atom
	for _, h := range l.cfg.EpmdHosts {
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		reply, err := (&epmd.Client{Addr: net.JoinHostPort(h, fmt.Sprint(l.cfg.EpmdPort))}).Names(hctx)
		cancel()
		if err != nil {
			continue
		}
		host := h
		if h == "localhost" {
			host = l.hostPart()
		}
		for _, e := range reply.Nodes {
			name := term.Atom(e.Name + "@" + host)
			if name != l.n.Name() {
				discovered = append(discovered, name)
			}
		}
	}
	now := time.Now()
	l.mu.Lock()
	for _, name := range discovered {
		if l.rows[name] == nil {
			l.rows[name] = &NodeRow{Name: name, Kind: "?", Transport: "tcp", State: StateSeen, Since: now}
		}
	}
	for _, p := range l.n.Nodes() {
		r := l.rows[p.Node]
		if r == nil {
			r = &NodeRow{Name: p.Node, Since: now}
			l.rows[p.Node] = r
		}
		r.Kind, r.Transport, r.Where, r.State = p.Kind, p.Transport, p.Remote, StateUp
	}
	var connect []term.Atom
	if l.cfg.AutoConnect {
		for _, name := range discovered {
			r := l.rows[name]
			if r.State == StateSeen || r.State == StateDown {
				if t, bad := l.failed[name]; !bad || now.Sub(t) > 15*time.Second {
					connect = append(connect, name)
				}
			}
		}
	}
	l.mu.Unlock()

	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, name := range connect {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			err := l.n.Connect(cctx, name)
			l.mu.Lock()
			if err != nil {
				l.failed[name] = time.Now()
				l.rows[name].Err = err.Error()
			} else {
				delete(l.failed, name)
			}
			l.mu.Unlock()
		}()
	}
	wg.Wait()
	for _, p := range l.n.Nodes() {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			l.pollStats(ctx, p)
		}()
	}
	wg.Wait()

	out := []NodeRow{l.localRow()}
	l.mu.Lock()
	for _, r := range l.rows {
		out = append(out, *r)
	}
	l.mu.Unlock()
	out = append(out, l.boards(ctx)...)
	sort.Slice(out[1:], func(i, j int) bool { return out[i+1].Name < out[j+1].Name })
	return out, nil
}

// boards lists serial boards that are plugged in but not connected as
// nodes (hot-plug: the USB enumeration is re-read at most every 5 s).
func (l *Live) boards(ctx context.Context) []NodeRow {
	l.mu.Lock()
	if time.Since(l.boardsAt) > 5*time.Second {
		l.boardsAt = time.Now()
		l.mu.Unlock()
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		devs, err := devices.List(dctx, devices.ListOptions{})
		cancel()
		l.mu.Lock()
		if err == nil {
			l.boardRows = l.boardRows[:0]
			for _, d := range devs {
				if d.Board == nil {
					continue
				}
				l.boardRows = append(l.boardRows, NodeRow{Name: term.Atom("serial:" + d.Path), Kind: d.Board.Name,
					Transport: "serial", Where: d.Path, State: StateSeen})
			}
		}
	}
	rows := append([]NodeRow(nil), l.boardRows...)
	l.mu.Unlock()
	connected := map[string]bool{}
	for _, p := range l.n.Nodes() {
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

func (l *Live) localRow() NodeRow {
	rt := l.n.Runtime()
	var mem int64
	for _, pid := range rt.Processes() {
		if info, ok := rt.Info(pid); ok {
			mem += int64(info.Memory)
		}
	}
	return NodeRow{Name: l.n.Name(), Kind: "avmsh", Transport: "-", State: StateLocal, Since: l.started,
		Version: "avmsh", Procs: int64(len(rt.Processes())), Memory: mem, Uptime: time.Since(l.started)}
}

// pollStats refreshes one connected node's figures with one request.
func (l *Live) pollStats(ctx context.Context, p node.PeerInfo) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	o, err := l.overview(cctx, p, true)
	rtt := time.Since(start)
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rows[p.Node]
	if r == nil {
		return
	}
	if err != nil {
		r.Err = err.Error()
		return
	}
	r.Err, r.RTT, r.Version, r.Procs, r.Uptime = "", rtt, o.Version, o.ProcCount, o.Uptime
	r.Memory = o.Memory["total"]
	if o.Kind != "" {
		r.Kind = o.Kind
	}
}

// Connect connects to a node name or serial:PORT.
func (l *Live) Connect(ctx context.Context, spec string) (term.Atom, error) {
	if strings.HasPrefix(spec, "serial:") {
		if l.cfg.Dial == nil {
			return "", errors.New("serial targets need the TUI's serial-capable node")
		}
		return l.cfg.Dial(ctx, spec)
	}
	name := term.Atom(spec)
	if !strings.Contains(spec, "@") {
		name = term.Atom(spec + "@" + l.hostPart())
	}
	if err := l.n.Connect(ctx, name); err != nil {
		return name, err
	}
	l.mu.Lock()
	if l.rows[name] == nil {
		l.rows[name] = &NodeRow{Name: name, State: StateUp, Since: time.Now()}
	}
	l.mu.Unlock()
	return name, nil
}

// Disconnect drops the connection to node.
func (l *Live) Disconnect(node term.Atom) error {
	if !l.n.Disconnect(node) {
		return fmt.Errorf("not connected to %s", node)
	}
	return nil
}

// Exit sends an exit signal from the watcher.
func (l *Live) Exit(_ context.Context, pid term.Pid, reason term.Term) error {
	return l.n.Runtime().ExitSignal(l.watcher.Self(), pid, reason)
}

// Monitor monitors a pid or {Name, Node}; the DOWN is an event.
func (l *Live) Monitor(_ context.Context, target term.Term) error {
	_, err := l.watcher.Monitor(target)
	return err
}

// Send sends msg from the watcher.
func (l *Live) Send(_ context.Context, dest, msg term.Term) error { return l.watcher.Send(dest, msg) }

// Devices lists serial ports (no probing: that would disturb boards),
// with the console of the ports avmsh has open.
func (l *Live) Devices(ctx context.Context) ([]Device, error) {
	devs, err := devices.List(ctx, devices.ListOptions{})
	if err != nil {
		return nil, err
	}
	open := map[string]*serialdist.Port{}
	if l.cfg.Ports != nil {
		for _, p := range l.cfg.Ports() {
			open[p.Name()] = p
		}
	}
	out := make([]Device, 0, len(devs))
	seen := map[string]bool{}
	for _, d := range devs {
		seen[d.Path] = true
		row := Device{Path: d.Path, Product: d.Product, Access: string(d.Access)}
		if d.USB {
			row.USB = d.VID + ":" + d.PID
		}
		if d.Board != nil {
			row.Board = d.Board.Name
		}
		out = append(out, row)
	}
	for path := range open { // ports the enumeration does not show (ptys)
		if !seen[path] {
			out = append(out, Device{Path: path, Access: "ok"})
		}
	}
	for i := range out {
		d := &out[i]
		for _, p := range l.n.Nodes() {
			if p.Transport == "serial" && (p.Remote == d.Path || p.Local == d.Path) {
				d.Node = p.Node
			}
		}
		if p := open[d.Path]; p != nil {
			d.Open = true
			d.Console = l.consoleOf(p)
		}
	}
	return out, nil
}

// consoleOf follows p's console text (once) and returns its last lines.
func (l *Live) consoleOf(p *serialdist.Port) []string {
	l.mu.Lock()
	c := l.consoles[p.Name()]
	if c == nil {
		c = &console{}
		c.stop = p.ConsoleTo(c)
		l.consoles[p.Name()] = c
	}
	l.mu.Unlock()
	return c.lines()
}

// Reset pulses DTR/RTS on an open port the way the board's USB bridge
// expects (devices.ResetStyleFor).
func (l *Live) Reset(ctx context.Context, path string) error {
	if l.cfg.Ports != nil {
		for _, p := range l.cfg.Ports() {
			if p.Name() == path {
				vid, pid := "", ""
				if devs, err := devices.List(ctx, devices.ListOptions{}); err == nil {
					for _, d := range devs {
						if d.Path == path {
							vid, pid = d.VID, d.PID
						}
					}
				}
				return devices.Reset(ctx, p, devices.ResetStyleFor(vid, pid), false)
			}
		}
	}
	return fmt.Errorf("%s is not open: connect to the board first (enter)", path)
}

// console keeps the last 200 lines a board printed.
type console struct {
	mu   sync.Mutex
	buf  []string
	part []byte
	stop func()
}

func (c *console) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range b {
		switch ch {
		case '\n':
			c.buf = append(c.buf, string(c.part))
			c.part = c.part[:0]
			if len(c.buf) > 200 {
				c.buf = c.buf[len(c.buf)-200:]
			}
		case '\r':
		default:
			if len(c.part) < 1024 {
				c.part = append(c.part, ch)
			}
		}
	}
	return len(b), nil
}

func (c *console) lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string(nil), c.buf...)
	if len(c.part) > 0 {
		out = append(out, string(c.part))
	}
	return out
}

// Eval runs src in the shell session of node (one per node, kept).
func (l *Live) Eval(ctx context.Context, nodeName term.Atom, src string) (string, int, error) {
	l.mu.Lock()
	st := l.shells[nodeName]
	if st == nil {
		s, h, err := shellhost.NewSession(l.n, nodeName, shellhost.Options{GroupLeader: l.cfg.GroupLeader, Registry: l.cfg.Registry})
		if err != nil {
			l.mu.Unlock()
			return "", 1, err
		}
		st = &shellState{s: s, h: h}
		l.shells[nodeName] = st
	}
	l.mu.Unlock()
	out, err := st.s.Eval(ctx, src)
	return out, st.s.N(), err
}
