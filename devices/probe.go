package devices

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/avmsh/avmsh/node/serialdist"
)

// DefaultProbeTime is how long Probe listens: an idle AtomVM link manager
// sends a sync marker every ~0.5 s, so 1.2 s sees at least two.
const DefaultProbeTime = 1200 * time.Millisecond

// NodeInfo is what a deep probe learns from the node itself.
type NodeInfo struct {
	Name    string            `json:"name,omitempty"`
	Machine string            `json:"machine,omitempty"` // erlang:system_info(machine): "ATOM" or "BEAM"
	Version string            `json:"version,omitempty"`
	Extra   map[string]string `json:"extra,omitempty"`
}

// Kind describes the machine for people, with the version when known:
// "AtomVM v0.6.5", "BEAM 25", "avmsh dev".
func (n NodeInfo) Kind() string {
	k := map[string]string{"ATOM": "AtomVM", "BEAM": "BEAM", "AVMSH": "avmsh"}[n.Machine]
	if k == "" {
		k = strings.ToLower(n.Machine)
		if k == "" {
			k = "unknown machine"
		}
	}
	if n.Version != "" {
		k += " " + n.Version
	}
	return k
}

// DeepProbe runs on a port where the listening probe found a node: it may
// dial through the port (handshake) and ask the node about itself.
// NodeProbe makes the one avmsh uses.
type DeepProbe func(ctx context.Context, port *serialdist.Port) (*NodeInfo, error)

// ProbeOptions configure Probe.
type ProbeOptions struct {
	// Listen is how long to listen (0: DefaultProbeTime).
	Listen time.Duration
	// Line are the serial settings (zero: 115200 8N1).
	Line serialdist.Options
	// Deep, if set, runs after the listening probe found a node.
	Deep DeepProbe
	// Port, if set, configures the port opened for the probe (tests).
	Port serialdist.PortConfig
}

// ProbeResult is what Probe found on a port.
type ProbeResult struct {
	// Answered: sync markers or distribution frames arrived, so an
	// AtomVM (or BEAM serial_dist) node runs serial distribution there.
	Answered bool `json:"answered"`
	// Markers counts idle sync markers heard; StaleFrames distribution
	// frames (the node has a connection up with someone else).
	Markers     int64 `json:"markers"`
	StaleFrames int64 `json:"frames"`
	// ConsoleBytes counts console text; Console is its tail (at most 256
	// bytes, printable).
	ConsoleBytes int64  `json:"console_bytes"`
	Console      string `json:"console,omitempty"`
	// Listened is how long the probe listened.
	Listened time.Duration `json:"listened_ns"`
	// Access is set when the port could not be opened; Error says why.
	Access Access `json:"access,omitempty"`
	Error  string `json:"error,omitempty"`
	// Node is the deep probe's answer.
	Node      *NodeInfo `json:"node,omitempty"`
	DeepError string    `json:"deep_error,omitempty"`
}

// Summary is a short human description: "AtomVM (idle)", "no answer".
func (r ProbeResult) Summary() string {
	switch {
	case r.Error != "" && !r.Answered:
		return "not probed: " + r.Error
	case r.Node != nil && r.Node.Name != "":
		return r.Node.Name + " (" + r.Node.Kind() + ")"
	case r.Answered && r.StaleFrames > 0 && r.Markers == 0:
		return "serial_dist node, connected elsewhere"
	case r.Answered:
		return "serial_dist node (idle)"
	case r.ConsoleBytes > 0:
		return "no node; console output only"
	}
	return "no answer"
}

// Probe opens the port at path without sending anything, listens for
// opts.Listen and reports whether a serial_dist node is there (AtomVM's
// idle link manager sends a bare sync marker about every 0.5 s; a node
// with a connection up sends frames). With opts.Deep set and a node
// found, the deep probe runs on the open port.
func Probe(ctx context.Context, path string, opts ProbeOptions) ProbeResult {
	if opts.Listen <= 0 {
		opts.Listen = DefaultProbeTime
	}
	p, err := serialdist.Open(serialdist.Address{Device: path, Options: opts.Line}, opts.Port)
	if err != nil {
		r := ProbeResult{Error: err.Error()}
		switch {
		case errors.Is(err, serialdist.ErrPortBusy):
			r.Access = AccessBusy
		case errors.Is(err, serialdist.ErrPermission):
			r.Access = AccessDenied
		}
		return r
	}
	defer p.Close()
	ch, cancel := p.ConsoleChan(0)
	defer cancel()
	start := time.Now()
	timer := time.NewTimer(opts.Listen)
	defer timer.Stop()
	var tail []byte
	func() {
		for {
			select {
			case b, ok := <-ch:
				if !ok {
					return
				}
				tail = append(tail, b...)
				if len(tail) > 1024 {
					tail = tail[len(tail)-256:]
				}
			case <-timer.C:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	st := p.Stats()
	r := ProbeResult{
		Markers:      st.Markers,
		StaleFrames:  st.StaleFrames,
		ConsoleBytes: st.ConsoleBytes,
		Console:      printable(tail, 256),
		Listened:     time.Since(start),
	}
	r.Answered = r.Markers > 0 || r.StaleFrames > 0
	if err := p.Err(); err != nil {
		r.Error = err.Error()
	}
	if r.Answered && opts.Deep != nil && ctx.Err() == nil {
		info, err := opts.Deep(ctx, p)
		if err != nil {
			r.DeepError = err.Error()
		}
		r.Node = info
	}
	return r
}

// printable keeps the last max bytes of b as text, replacing control
// characters (except newline and tab; carriage returns are dropped) and
// invalid UTF-8 with '.'.
func printable(b []byte, max int) string {
	if len(b) > max {
		b = b[len(b)-max:]
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r == '\r':
		case r == '\n' || r == '\t':
			sb.WriteRune(r)
		case r == utf8.RuneError || r < 0x20 || r == 0x7f:
			sb.WriteByte('.')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
