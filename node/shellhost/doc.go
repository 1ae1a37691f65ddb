// Package shellhost connects the Go Erlang evaluator (vm/erl) to the
// distribution node: it is the eval.Host of `avmsh shell` and of the
// TUI's shell pane when the evaluation happens in avmsh (AtomVM targets,
// which have no erl_eval, and avmsh targets).
//
// Module calls run on the target node through erpc (a SPAWN_REQUEST of
// erpc:execute_call/4, the only thing safe to spawn on AtomVM), or
// in-process through the node's rpc.Registry when the target is the
// local node. self(), !, receive and flush() use a shell process owned
// by the Host on the local node, whose group leader is the session's I/O
// server, so remote io:format output reaches the shell.
package shellhost
