// Package localnode starts the avmsh node of an interop test: a node
// named <random>@127.0.0.1 that listens on loopback and registers in the
// test's private epmd (the one erltest started for its erl peer), with
// the peer's cookie, stopped when the test ends.
//
// It is not part of package erltest because it imports package node,
// whose own tests (and those of the packages node is built from) import
// erltest: node's internal tests keep their own helper for that reason.
package localnode
