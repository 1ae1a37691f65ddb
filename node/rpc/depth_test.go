package rpc

import (
	"errors"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

const deepHelpers = `-module(deep).
-export([tuple/1]).
tuple(N) -> lists:foldl(fun(_, A) -> {A} end, 0, lists:seq(1, N)).
`

func nested(levels int) term.Term {
	var t term.Term = term.Int(0)
	for range levels {
		t = term.Tuple{t}
	}
	return t
}

// TestTooDeepTerms (issue 15, item 7): an answer nested deeper than the
// node's limit is a *ReplyError, an argument too deep to send an
// *ArgumentError, both wrapping *etf.DepthError, never a lost connection;
// the node keeps the reason it dropped the connection; a raised limit
// lets both through.
func TestTooDeepTerms(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"deep": deepHelpers}})
	n := startNode(t, e.EpmdPort, e.Cookie)
	target := term.Atom(e.Name)

	_, err := Call(ctx(t), n, target, "deep", "tuple", []term.Term{term.Int(etf.DefaultMaxDepth + 10)}, Options{})
	var re *ReplyError
	var de *etf.DepthError
	if !errors.As(err, &re) || !errors.As(err, &de) || de.Encode || de.Limit != etf.DefaultMaxDepth {
		t.Fatalf("a too-deep answer: %v", err)
	}
	if errors.As(err, new(*NoConnectionError)) {
		t.Fatalf("a too-deep answer reported as a lost connection: %v", err)
	}
	if reason := n.DisconnectReason(target); !errors.As(reason, &de) {
		t.Fatalf("DisconnectReason = %v", reason)
	}

	_, err = Call(ctx(t), n, target, "erlang", "phash2", []term.Term{nested(etf.DefaultMaxDepth + 10)}, Options{})
	var ae *ArgumentError
	if !errors.As(err, &ae) || !errors.As(err, &de) || !de.Encode {
		t.Fatalf("a too-deep argument: %v", err)
	}
	if v, err := Call(ctx(t), n, target, "erlang", "node", nil, Options{}); err != nil || v != target {
		t.Fatalf("the next call: %v %v", v, err)
	}
	if reason := n.DisconnectReason(target); reason != nil {
		t.Fatalf("DisconnectReason once reconnected = %v", reason)
	}

	raised := startNodeWith(t, e.EpmdPort, e.Cookie, func(c *node.Config) { c.MaxTermDepth = 2 * etf.DefaultMaxDepth })
	v, err := Call(ctx(t), raised, target, "erlang", "tuple_size", []term.Term{nested(etf.DefaultMaxDepth + 10)}, Options{})
	if err != nil || v != term.Int(1) {
		t.Fatalf("a deep argument within a raised limit: %v %v", v, err)
	}
	if _, err := Call(ctx(t), raised, target, "deep", "tuple", []term.Term{term.Int(etf.DefaultMaxDepth + 10)}, Options{}); err != nil {
		t.Fatalf("a deep answer within a raised limit: %v", err)
	}
}
