package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/vm/term"
)

// Target is a node given on the command line: a node name, or a serial
// port the node is attached to ("serial:/dev/ttyUSB0?baud=921600"), whose
// name the handshake tells.
type Target struct {
	// Spec is what the user wrote.
	Spec string
	// Node is the full node name. For a serial target it is empty until
	// ConnectTarget has learned it.
	Node term.Atom
	// Serial is the canonical serial address of a serial target.
	Serial string
}

// IsSerial reports whether the target is reached over a serial port.
func (t Target) IsSerial() bool { return t.Serial != "" }

// String names the target for messages: the node name, the serial
// address, or both ("board@serial.local (serial:/dev/ttyUSB0)").
func (t Target) String() string {
	switch {
	case t.Serial == "":
		return string(t.Node)
	case t.Node == "":
		return t.Serial
	}
	return fmt.Sprintf("%s (%s)", t.Node, t.Serial)
}

// host is the host part that decides our own name's form.
func (t Target) host() string {
	if t.IsSerial() {
		return serialdist.NodeHost
	}
	_, host, _ := node.SplitNodeName(string(t.Node))
	return host
}

// ParseTarget reads a NODE argument: "app" (completed with this host, see
// TargetName), "app@host", or a serial address "serial:PORT[?options]"
// (see serialdist.ParseAddress; "serial:ttyUSB0" means /dev/ttyUSB0).
func (o *NodeOptions) ParseTarget(spec string) (Target, error) {
	if serialdist.IsAddress(spec) {
		a, err := serialdist.ParseAddress(spec)
		if err != nil {
			return Target{}, UsageError("%v", err)
		}
		return Target{Spec: spec, Serial: a.String()}, nil
	}
	name, err := o.TargetName(spec)
	if err != nil {
		return Target{}, err
	}
	return Target{Spec: spec, Node: name}, nil
}

// Local is a command's embedded node together with the serial ports it
// uses. Stop it with Stop.
type Local struct {
	*serialnode.Node
	consoles []func()
}

// Stop stops the node, closes its serial ports (telling peers with a
// teardown frame) and prints what is left of their console text.
func (l *Local) Stop() {
	l.Node.Stop()
	for _, stop := range l.consoles {
		stop()
	}
}

// StartNodeFor starts the command's local node (as StartNode does) for
// talking to targets and accepting on the serial addresses in listen.
// The ports of serial targets and of listen are opened and listened on,
// so that the peer can reach us again over the same line, and their
// console text (boot logs, io:format on the UART) is printed to stderr,
// each line prefixed with the port: "[ttyUSB0] ...".
func (o *NodeOptions) StartNodeFor(ctx context.Context, f *Factory, targets []Target, tcpListen bool, listen []string) (*Local, error) {
	host := ""
	if len(targets) > 0 {
		host = targets[0].host()
	}
	cfg, err := o.nodeConfig(f, host, tcpListen)
	if err != nil {
		return nil, err
	}
	var addrs []string
	seen := map[string]bool{} // devices
	add := func(s string) error {
		a, err := serialdist.ParseAddress(s)
		if err != nil {
			return UsageError("%v", err)
		}
		if !seen[a.Device] {
			seen[a.Device] = true
			addrs = append(addrs, a.String())
		}
		return nil
	}
	for _, s := range listen {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	for _, t := range targets {
		if t.IsSerial() {
			if err := add(t.Serial); err != nil {
				return nil, err
			}
		}
	}
	sn, err := serialnode.Start(ctx, serialnode.Config{
		Node:   cfg,
		Listen: addrs,
		Port:   serialdist.PortConfig{Logger: cfg.Logger},
	})
	if err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, Unreachable(err)
	}
	l := &Local{Node: sn}
	if ports := sn.Ports(); len(ports) > 0 {
		w := serialnode.SyncWriter(f.IO.ErrOut)
		for _, p := range ports {
			l.consoles = append(l.consoles, serialnode.CopyConsole(p, w, "["+strings.TrimPrefix(p.Name(), "/dev/")+"] "))
		}
	}
	return l, nil
}

// ConnectTarget connects l to t within the --timeout: over its serial
// port (learning t.Node from the handshake), directly to --address, or
// through epmd. Errors say what to check next.
func (o *NodeOptions) ConnectTarget(ctx context.Context, l *Local, t *Target) error {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	var err error
	switch {
	case t.IsSerial():
		var name term.Atom
		if name, err = l.Dial(ctx, t.Serial); err == nil {
			t.Node = name
		}
	case o.Address != "":
		_, err = l.ConnectVia(ctx, &carrier.TCPDialer{}, o.Address, t.Node)
	default:
		err = l.Connect(ctx, t.Node)
	}
	if err != nil {
		return Unreachable(ExplainTarget(err, *t))
	}
	return nil
}

// ExplainTarget is Explain for a target that may be a serial port.
func ExplainTarget(err error, t Target) error {
	if !t.IsSerial() {
		return Explain(err, t.Node)
	}
	hint := handshakeHint(err)
	switch {
	case hint != "":
	case serialdist.Classify(err) != nil, strings.Contains(err.Error(), "\nhint: "):
		// The port's own error already says what to do.
	case errors.Is(err, context.DeadlineExceeded):
		hint = "timed out: raise --timeout, and check the board with 'avmsh devices --probe'"
	}
	if hint == "" {
		return fmt.Errorf("cannot reach the node on %s: %w", t.Serial, err)
	}
	return fmt.Errorf("cannot reach the node on %s: %w\nhint: %s", t.Serial, err, hint)
}
