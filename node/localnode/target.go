package localnode

import (
	"context"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// Target is a node to connect to: a node name, or a serial port a node
// is attached to ("serial:/dev/ttyUSB0?baud=921600"), whose name the
// handshake tells.
type Target struct {
	// Spec is the target as it was written.
	Spec string
	// Node is the full node name. For a serial target it is empty until
	// ConnectTarget has learned it.
	Node term.Atom
	// Serial is the canonical serial address of a serial target.
	Serial string
	// Address, when set, is HOST:PORT to dial directly instead of asking
	// epmd (TCP or TLS targets only).
	Address string
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

// Host is the host part that decides the naming mode of a node talking
// to the target (see NameModeFor and OwnName): the node name's host, or
// serialdist.NodeHost for a serial target.
func (t Target) Host() string {
	if t.IsSerial() {
		return serialdist.NodeHost
	}
	_, host, _ := node.SplitNodeName(string(t.Node))
	return host
}

// ParseTarget reads a target: "app" (completed with this machine's host
// name in mode, as erl completes -sname/-name), "app@host", or a serial
// address "serial:PORT[?options]" (see serialdist.ParseAddress;
// "serial:ttyUSB0" means /dev/ttyUSB0).
func ParseTarget(spec string, mode node.NameMode) (Target, error) {
	return parseTarget(spec, mode, nil)
}

// ParseTarget reads a target as the package function does, completing a
// bare name with this node's own host ("app" → app@<host of n's name>).
func (n *Node) ParseTarget(spec string) (Target, error) {
	_, host, _ := node.SplitNodeName(string(n.Name()))
	mode := NameModeFor(host)
	return parseTarget(spec, mode, func() (string, error) { return host, nil })
}

func parseTarget(spec string, mode node.NameMode, hostname func() (string, error)) (Target, error) {
	if serialdist.IsAddress(spec) {
		a, err := serialdist.ParseAddress(spec)
		if err != nil {
			return Target{}, err
		}
		return Target{Spec: spec, Serial: a.String()}, nil
	}
	if strings.Contains(spec, "@") {
		if _, _, err := node.SplitNodeName(spec); err != nil {
			return Target{}, err
		}
		return Target{Spec: spec, Node: term.Atom(spec)}, nil
	}
	full, err := node.MakeNodeName(spec, mode, hostname)
	if err != nil {
		return Target{}, err
	}
	return Target{Spec: spec, Node: term.Atom(full)}, nil
}

// ConnectTarget connects to t within ctx: over its serial port (learning
// t.Node from the handshake; the port stays open until Stop), directly
// to t.Address (over TLS when the node uses TLS), or through the port mapper (epmd). Connecting to a node
// already connected returns at once.
func (n *Node) ConnectTarget(ctx context.Context, t *Target) error {
	switch {
	case t.IsSerial():
		name, err := n.Dial(ctx, t.Serial)
		if err != nil {
			return err
		}
		t.Node = name
		return nil
	case t.Address != "":
		_, err := n.ConnectVia(ctx, n.dialer, t.Address, t.Node)
		return err
	}
	return n.Connect(ctx, t.Node)
}
