// Package rpc owns remote procedure calls in both directions. Out: Call
// (erpc semantics through a SPAWN_REQUEST of erpc:execute_call/4 with a
// monitor, safe on AtomVM), a rex fallback, Multicall and Cast, with one
// Go error type per outcome. In: a Registry of Go functions served as
// Erlang modules to erpc, spawn_request and rex callers, with built-in
// erlang and avmsh modules for dashboards.
package rpc
