// Package erlangimpl lets avmsh's own command line reach the node behind
// the public embedding API (package erlang) without putting lower-level
// types into that API's exported signatures.
//
// Package erlang sets the functions below in its init and nothing else
// assigns them (the idiom of google.golang.org/grpc/internal): the CLI
// starts and connects its node through the public API, so that the API
// cannot drift from what avmsh itself does, and still hands its commands
// the *localnode.Node they use.
package erlangimpl

import "github.com/avmsh/avmsh/node/localnode"

var (
	// Local returns the *localnode.Node behind an *erlang.Node.
	Local func(n any) *localnode.Node
	// Wrap returns the *erlang.Node of a node started through package
	// erlang (it is a view: wrapping the same node twice gives two views
	// of one node).
	Wrap func(l *localnode.Node) any
)
