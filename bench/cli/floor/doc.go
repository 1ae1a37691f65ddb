// Command floor is the physical floor of a one-shot RPC from a Go
// process: the least a Go program can do to print the result of
// erlang:node() on a running node, as `avmsh rpc NODE erlang node` and
// `erl_call -a 'erlang node []'` do. It uses the standard library only
// (no cobra, no avmsh packages) and makes the same round trips as
// erl_call: epmd PORT_PLEASE2, connect, the version-6 handshake, one
// rex request and its reply (erl_dist_protocol, "Distribution
// Handshake" and "Protocol between Connected Nodes"; rex's legacy
// {From, {call, M, F, A, GroupLeader}} message is what OTP's ei_rpc
// sends). bench/cli builds it with avmsh's flags and times it beside
// them.
//
// Usage: floor NODE (alive or alive@host; cookie from AVMSH_COOKIE or
// ~/.erlang.cookie, epmd at ERL_EPMD_PORT or 4369).
package main
