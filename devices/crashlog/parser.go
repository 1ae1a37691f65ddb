package crashlog

import (
	"bytes"
	"sync"
	"time"
)

// Options configure a Parser.
type Options struct {
	// Node and Port name where the text comes from; they are copied
	// into every event (the dump itself names neither).
	Node string
	Port string
	// MaxBlock bounds the text kept of one dump (default 64 KiB): a
	// longer one, or one that never ends, is cut there and reported
	// with Truncated set. MaxLine bounds one line (default 4 KiB; the
	// rest of a longer line is dropped).
	MaxBlock int
	MaxLine  int
	// StripPrefix is removed from the start of every line that has it
	// (console text that a writer prefixed, e.g. "[ttyUSB0] ").
	StripPrefix string
	// OnEvent receives each event as its dump ends (from Write or
	// Flush, on the caller's goroutine). When nil, events are kept and
	// returned by Events (the newest MaxEvents).
	OnEvent func(Event)
	// MaxEvents bounds the events kept without OnEvent (default 256).
	MaxEvents int
	// Now replaces time.Now (tests).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxBlock <= 0 {
		o.MaxBlock = 64 << 10
	}
	if o.MaxLine <= 0 {
		o.MaxLine = 4 << 10
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Parser states.
const (
	outside = iota // console text
	pending        // saw a line ending in CRASH: a dump if "======" follows
	inside         // in a dump
)

// Parser finds crash dumps in console text fed in chunks of any size.
// It is an io.Writer and safe for concurrent use.
type Parser struct {
	opts Options

	mu      sync.Mutex
	line    []byte // the line being received (CRs dropped)
	lineCut bool   // the line exceeded MaxLine
	state   int
	held    []byte // the CRASH line waiting for its "======"
	heldAt  time.Time
	block   []byte // the dump in progress
	at      time.Time
	events  []Event
}

// NewParser returns a parser.
func NewParser(o Options) *Parser { return &Parser{opts: o.withDefaults()} }

// Write feeds console text. It never fails.
func (p *Parser) Write(b []byte) (int, error) {
	n := len(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		part := b
		if i >= 0 {
			part = b[:i]
		}
		p.appendLine(part)
		if i < 0 {
			break
		}
		p.endLine()
		b = b[i+1:]
	}
	return n, nil
}

// appendLine adds bytes of the current line, dropping CRs and what
// passes MaxLine.
func (p *Parser) appendLine(b []byte) {
	for _, c := range b {
		if c == '\r' {
			continue
		}
		if len(p.line) >= p.opts.MaxLine {
			p.lineCut = true
			return
		}
		p.line = append(p.line, c)
	}
}

func (p *Parser) endLine() {
	l := p.line
	if pre := p.opts.StripPrefix; pre != "" && bytes.HasPrefix(l, []byte(pre)) {
		l = l[len(pre):]
	}
	p.onLine(l)
	p.line, p.lineCut = p.line[:0], false
}

// Flush ends the input: a line without its newline is taken as a line,
// and a dump in progress is reported, truncated.
func (p *Parser) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.line) > 0 {
		p.endLine()
	}
	if p.state == inside {
		if p.held != nil { // a CRASH line inside the dump: just text
			p.add(p.held)
		}
		p.emit(true)
	}
	p.state, p.held = outside, nil
}

// Events returns the events kept (when Options.OnEvent is nil).
func (p *Parser) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

func isCrashLine(l []byte) bool { return bytes.HasSuffix(bytes.TrimRight(l, " \t"), []byte("CRASH")) }
func isRule(l []byte) bool      { return string(bytes.TrimSpace(l)) == "======" }
func isEnd(l []byte) bool       { return bytes.Contains(l, []byte("**End Of Crash Report**")) }

func (p *Parser) onLine(l []byte) {
	switch p.state {
	case outside:
		if isCrashLine(l) {
			p.state, p.held, p.heldAt = pending, append([]byte(nil), l...), p.opts.Now()
		}
	case pending:
		if isRule(l) {
			p.state, p.block, p.at = inside, p.block[:0], p.heldAt
			p.add(p.held)
			p.held = nil
			p.add(l)
			return
		}
		p.state, p.held = outside, nil
		p.onLine(l)
	case inside:
		if p.held != nil {
			// A CRASH line in the dump: a new dump if "======" follows
			// (the board reset or the dump was interrupted).
			held := p.held
			p.held = nil
			if isRule(l) {
				p.emit(true)
				p.state, p.block, p.at = inside, p.block[:0], p.heldAt
				p.add(held)
				p.add(l)
				return
			}
			if !p.add(held) {
				p.onLine(l) // cut: l is console text again
				return
			}
		}
		if isCrashLine(l) {
			p.held, p.heldAt = append([]byte(nil), l...), p.opts.Now()
			return
		}
		if !p.add(l) {
			return
		}
		if isEnd(l) {
			p.emit(false)
		}
	}
}

// add appends a line to the dump; past MaxBlock the dump is cut,
// reported, and add returns false.
func (p *Parser) add(l []byte) bool {
	room := p.opts.MaxBlock - len(p.block)
	if len(l)+1 > room {
		p.block = append(p.block, l[:max(0, min(len(l), room))]...)
		p.emit(true)
		p.state, p.held = outside, nil
		return false
	}
	p.block = append(p.block, l...)
	p.block = append(p.block, '\n')
	return true
}

func (p *Parser) emit(truncated bool) {
	ev := parseBlock(string(p.block))
	ev.Node, ev.Port, ev.At, ev.Truncated = p.opts.Node, p.opts.Port, p.at, truncated
	p.block = p.block[:0]
	p.state = outside
	if p.opts.OnEvent != nil {
		p.opts.OnEvent(ev)
		return
	}
	p.events = append(p.events, ev)
	if len(p.events) > p.opts.MaxEvents {
		p.events = append(p.events[:0], p.events[len(p.events)-p.opts.MaxEvents:]...)
	}
}

// Parse finds the dumps in a whole text (a console log file).
func Parse(text []byte, o Options) []Event {
	var out []Event
	o.OnEvent = func(e Event) { out = append(out, e) }
	p := NewParser(o)
	_, _ = p.Write(text)
	p.Flush()
	return out
}
