package source

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// signals implements Signals and EventFeed: the watcher process sends
// the dashboard's signals and receives what they cause (DOWN, EXIT,
// replies), and node events are followed, all as events.
type signals struct {
	env  *env
	stop func()
	done chan struct{}
}

// newSignals follows node events (onNode sees each one first) and the
// watcher's mailbox until close.
func newSignals(e *env, onNode func(node.NodeEvent)) *signals {
	s := &signals{env: e, done: make(chan struct{})}
	evs, unsub := e.n.Subscribe(64)
	s.stop = unsub
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ev := range evs {
			kind, text := EvNodeUp, "nodeup over "+ev.Info.Transport
			if !ev.Up {
				kind, text = EvNodeDown, "nodedown: "+ev.Reason
			}
			onNode(ev)
			e.emit(Event{At: time.Now(), Kind: kind, Node: ev.Node, Text: text})
		}
	}()
	go func() {
		defer wg.Done()
		w := e.watcher
		for {
			m, err := w.Receive(w.Context(), nil, vm.Infinity)
			if err != nil {
				return
			}
			e.emit(watcherEvent(m))
		}
	}()
	go func() { wg.Wait(); close(s.done) }()
	return s
}

// close stops following events and ends the watcher.
func (s *signals) close() {
	s.stop()
	s.env.watcher.Exit(vm.Normal)
	<-s.done
}

// emit delivers an event to Events; a full channel drops it rather
// than blocking the node.
func (e *env) emit(ev Event) {
	select {
	case e.events <- ev:
	default:
	}
}

// Events delivers monitor events.
func (s *signals) Events() <-chan Event { return s.env.events }

// Exit sends an exit signal from the watcher.
func (s *signals) Exit(_ context.Context, pid term.Pid, reason term.Term) error {
	return s.env.n.Runtime().ExitSignal(s.env.watcher.Self(), pid, reason)
}

// Monitor monitors a pid or {Name, Node}; the DOWN is an event.
func (s *signals) Monitor(_ context.Context, target term.Term) error {
	_, err := s.env.watcher.Monitor(target)
	return err
}

// Send sends msg from the watcher.
func (s *signals) Send(_ context.Context, dest, msg term.Term) error {
	return s.env.watcher.Send(dest, msg)
}

func watcherEvent(m term.Term) Event {
	e := Event{At: time.Now(), Kind: EvMessage, Text: syntax.Write(m, syntax.Options{Encoding: syntax.Unicode})}
	if t, ok := m.(term.Tuple); ok {
		switch {
		case len(t) == 5 && t[0] == term.Atom("DOWN"):
			e.Kind = EvDown
			e.Text = fmt.Sprintf("%s %s: %s", syntax.Write(t[2], syntax.Options{}), syntax.Write(t[3], syntax.Options{}), syntax.Write(t[4], syntax.Options{Encoding: syntax.Unicode}))
			switch who := t[3].(type) {
			case term.Pid:
				e.Node = who.Node
			case term.Tuple: // monitored as {Name, Node}
				if len(who) == 2 {
					e.Node, _ = who[1].(term.Atom)
				}
			}
			e.Crash = exitEvent(e, t[3], t[4], m)
		case len(t) == 3 && t[0] == term.Atom("EXIT"):
			e.Kind = EvExit
			e.Text = fmt.Sprintf("%s: %s", syntax.Write(t[1], syntax.Options{}), syntax.Write(t[2], syntax.Options{Encoding: syntax.Unicode}))
			if p, ok := t[1].(term.Pid); ok {
				e.Node = p.Node
			}
			e.Crash = exitEvent(e, t[1], t[2], m)
		}
	}
	return e
}

// exitEvent is a DOWN or EXIT message as a crash report (nil for a
// normal exit): node, pid and reason as the node prints them, and the
// stack trace of an error exit ({Reason, Stacktrace}).
func exitEvent(e Event, who, reason, msg term.Term) *crashlog.Event {
	if reason == term.Atom("normal") {
		return nil
	}
	local := syntax.NodeContext{Local: e.Node}
	write := func(t term.Term) string { // ~tp on one line: strings read as strings
		return syntax.Pretty(t, syntax.Options{Encoding: syntax.Unicode, PrintableRange: syntax.Unicode, LineLength: -1, Node: local})
	}
	stack := ""
	if r, ok := reason.(term.Tuple); ok && len(r) == 2 && isStacktrace(r[1]) {
		reason, stack = r[0], write(r[1])
	}
	ev := crashlog.FromExit(string(e.Node), write(who), write(reason), stack, write(msg), e.At)
	return &ev
}

// isStacktrace reports a list of {M, F, ArityOrArgs, Location} frames.
func isStacktrace(t term.Term) bool {
	l, ok := t.(term.List) // frames are tuples: a stack is never a term.Chars
	if !ok || len(l) == 0 {
		return false
	}
	for _, f := range l {
		if ft, ok := f.(term.Tuple); !ok || len(ft) != 4 {
			return false
		}
	}
	return true
}
