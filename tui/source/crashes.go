package source

import (
	"sync"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// crashFollower reads the console of every serial port the node has
// open (the text that arrives beside distribution) through a
// devices/crashlog parser: each crash dump a board prints becomes an
// EvCrash event. It shares the port's one subscription with the Devices
// listing's console, so neither misses the text that came before the
// other looked.
type crashFollower struct {
	env    *env
	boards *boards // set before follow is first called

	mu     sync.Mutex
	ports  map[*serialdist.Port]func() // followed, with their stop
	closed bool
	wg     sync.WaitGroup
}

func newCrashFollower(e *env) *crashFollower {
	return &crashFollower{env: e, ports: map[*serialdist.Port]func(){}}
}

// follow starts reading the ports opened since the last call. It is
// cheap: called on every cluster poll, connection and node event.
func (f *crashFollower) follow() {
	open := f.env.openPorts()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	for path, p := range open {
		if _, ok := f.ports[p]; ok {
			continue
		}
		f.ports[p] = f.start(path, p)
	}
}

// start follows p: the parser, and the Devices listing's console of
// the port when nobody reads it yet.
func (f *crashFollower) start(path string, p *serialdist.Port) func() {
	parser := ConsoleCrashes(path, func() term.Atom { return f.nodeOn(path) }, f.env.emit)
	ch, cancel := p.ConsoleChan(0)
	// The Devices listing's lines of the port come from this
	// subscription unless something already shows this Port's text (a
	// port back from a loan is a new Port: its lines go on).
	var lines *console
	b := f.boards
	b.mu.Lock()
	c := b.consoles[p.Name()]
	if c == nil {
		c = &console{}
		b.consoles[p.Name()] = c
	}
	if c.port != p {
		if c.stop != nil {
			c.stop()
		}
		c.port, c.stop, lines = p, cancel, c
	}
	b.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for text := range ch {
			_, _ = parser.Write(text)
			if lines != nil {
				_, _ = lines.Write(text)
			}
		}
		parser.Flush() // a dump cut by the port closing
		f.mu.Lock()
		delete(f.ports, p)
		f.mu.Unlock()
	}()
	return cancel
}

// nodeOn is the node on the serial port path ("" when none).
func (f *crashFollower) nodeOn(path string) term.Atom {
	for _, p := range f.env.n.Nodes() {
		if p.Transport == "serial" && (p.Remote == path || p.Local == path) {
			return p.Node
		}
	}
	return ""
}

// ConsoleCrashes returns a writer for a board's console text on port:
// a devices/crashlog parser whose dumps are delivered to emit as EvCrash
// events of the node nodeOf names when the dump ends (serial:PORT when
// it names none). Dumps of erpc calls are delivered too, marked ERPC.
func ConsoleCrashes(port string, nodeOf func() term.Atom, emit func(Event)) *crashlog.Parser {
	return crashlog.NewParser(crashlog.Options{Port: port, OnEvent: func(ev crashlog.Event) {
		n := nodeOf()
		if n == "" {
			n = term.Atom("serial:" + port)
		} else {
			ev.Node = string(n)
		}
		emit(Event{At: ev.At, Kind: EvCrash, Node: n, Text: ev.Summary(), Crash: &ev})
	}})
}

// close stops every follower and waits for them.
func (f *crashFollower) close() {
	f.mu.Lock()
	f.closed = true
	stops := make([]func(), 0, len(f.ports))
	for _, stop := range f.ports {
		stops = append(stops, stop)
	}
	f.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	f.wg.Wait()
}
