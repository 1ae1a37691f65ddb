package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/internal/erlangimpl"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/serialdist"
)

// Target is a node given on the command line: a node name, or a serial
// port the node is attached to ("serial:/dev/ttyUSB0?baud=921600"), whose
// name the handshake tells (see localnode.Target).
type Target = localnode.Target

// ParseTarget reads a NODE argument: "app" (completed with this host, in
// short or long names per the flags), "app@host", or a serial address
// "serial:PORT[?options]" (see serialdist.ParseAddress; "serial:ttyUSB0"
// means /dev/ttyUSB0). --address applies to node names.
func (o *NodeOptions) ParseTarget(spec string) (Target, error) {
	mode := o.nameMode("")
	t, err := localnode.ParseTarget(spec, mode)
	if err != nil {
		return Target{}, UsageError("%w", WithHint(err))
	}
	if !t.IsSerial() {
		t.Address = o.Address
	}
	return t, nil
}

// ConnectTarget connects l to t within the --timeout: over its serial
// port (learning t.Node from the handshake), directly to --address, or
// through epmd. Errors say what to check next.
func (o *NodeOptions) ConnectTarget(ctx context.Context, l *localnode.Node, t *Target) error {
	parent := ctx
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	// Through the embedding API, as every command's node start.
	n := erlangimpl.Wrap(l).(*erlang.Node)
	var err error
	switch {
	case t.IsSerial():
		t.Node, err = n.ConnectSerial(ctx, t.Serial)
	case t.Address != "":
		err = n.ConnectAddress(ctx, t.Node, t.Address)
	default:
		err = n.Connect(ctx, t.Node)
	}
	switch {
	case err == nil:
		return nil
	case interrupted(parent):
		return ConnectInterrupted(err, *t)
	}
	return Unreachable(ExplainTarget(err, *t))
}

// ConnectInterrupted is the error of a connection to t that Ctrl-C
// stopped: nothing was sent to the node.
func ConnectInterrupted(err error, t Target) error {
	if t.IsSerial() {
		return Interrupted(err, "while connecting to the node on %s; nothing was sent", t.Serial)
	}
	return Interrupted(err, "while connecting to %s; nothing was sent", t.Node)
}

// ExplainTarget is Explain for a target that may be a serial port.
func ExplainTarget(err error, t Target) error {
	if !t.IsSerial() {
		return Explain(err, t.Node)
	}
	hint := handshakeHint(err)
	if hint == "" {
		hint = Hint(err) // e.g. a port that is not there
	}
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
