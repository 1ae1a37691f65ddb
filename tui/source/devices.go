package source

import (
	"context"
	"fmt"
	"sync"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/node/serialdist"
)

// boards implements Boards: the serial ports, the console of those the
// node has open, and resets.
type boards struct {
	env *env

	mu       sync.Mutex
	consoles map[string]*console // by device path
}

func newBoards(e *env) *boards { return &boards{env: e, consoles: map[string]*console{}} }

// close stops following the consoles.
func (b *boards) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.consoles {
		c.stop()
	}
	b.consoles = map[string]*console{}
}

// Devices lists serial ports (no probing: that would disturb boards),
// with the console of the ports avmsh has open. Console lines are the
// board's bytes as they came (views show them with devices.Visible).
func (b *boards) Devices(ctx context.Context) ([]Device, error) {
	devs, err := devices.List(ctx, devices.ListOptions{})
	if err != nil {
		return nil, err
	}
	open := b.env.openPorts()
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
		for _, p := range b.env.n.Nodes() {
			if p.Transport == "serial" && (p.Remote == d.Path || p.Local == d.Path) {
				d.Node = p.Node
			}
		}
		if p := open[d.Path]; p != nil {
			d.Open = true
			d.Console = b.consoleOf(p)
		}
	}
	return out, nil
}

// consoleOf follows p's console text (once per Port) and returns its
// last lines.
func (b *boards) consoleOf(p *serialdist.Port) []string {
	b.mu.Lock()
	c := b.consoles[p.Name()]
	if c == nil {
		c = &console{}
		b.consoles[p.Name()] = c
	}
	if c.port != p { // a port back from a loan (a flash) is a new Port: the lines go on
		if c.stop != nil {
			c.stop()
		}
		c.port, c.stop = p, p.ConsoleTo(c)
	}
	b.mu.Unlock()
	return c.lines()
}

// Reset pulses DTR/RTS on an open port the way the board's USB bridge
// expects (devices.ResetStyleFor).
func (b *boards) Reset(ctx context.Context, path string) error {
	p := b.env.openPorts()[path]
	if p == nil {
		return fmt.Errorf("%s is not open: connect to the board first (enter)", path)
	}
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

// console keeps the last 200 lines a board printed.
type console struct {
	mu   sync.Mutex
	buf  []string
	part []byte
	port *serialdist.Port // followed, with stop
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
