// Package erlang starts an Erlang distribution node in a Go program:
// the Go program becomes a node of an Erlang cluster, next to BEAM
// (Erlang/OTP 24 and later) and AtomVM nodes, over TCP, TLS or a serial
// line (AtomVM's serial_dist), with no cgo, no erl and no C node library.
//
// It is the stable, documented surface of avmsh's node for Go users; the
// avmsh command line starts and connects its own node through it. What
// lives under avmsh's other packages (node/..., vm/...) may change between
// releases; this package and the term model it uses (package
// github.com/avmsh/avmsh/vm/term) follow semantic versioning.
//
// # Starting a node
//
// Start takes a Config: the node name ("gopher@127.0.0.1"; a bare name is
// completed with this host, "" picks a random hidden name), the cookie
// (by default ~/.erlang.cookie, read and created as erl does), TLS files
// for OTP's inet_tls distribution, serial ports to accept connections on,
// and whether to listen on TCP and register with epmd (ERL_EPMD_PORT is
// honoured as erl honours it). A node that does not listen is hidden and
// reaches others only over the connections it opens, like erl_call.
//
// # Talking to other nodes
//
//   - Connect, ConnectAddress and ConnectSerial set up connections (calls
//     and sends also connect on demand, by name through epmd).
//   - Call runs Module:Function(Args...) on a node with erpc semantics
//     (erpc:call/5) and returns its value, or an *Exception for a remote
//     throw, exit or error; errors.Is(err, ErrNoConnection) and
//     errors.Is(err, ErrTimeout) tell the other failures apart. The
//     context's deadline is the call's timeout: a call that times out is
//     killed on the remote node (where the node allows it; AtomVM does
//     not).
//   - Cast runs a function without waiting for it.
//   - A Process (NewProcess) is a Go-side Erlang process: it has a pid and
//     a mailbox, sends (Send) and receives (Receive, ReceiveMatch)
//     messages, links and monitors other processes (Monitor delivers
//     {'DOWN', Ref, process, Object, Reason} to its mailbox), and may be
//     registered under a name so that Erlang code can send to {Name, Node}.
//   - NodeEvents reports nodeup and nodedown, like net_kernel:monitor_nodes.
//
// # Serving Erlang code
//
// Register makes a Go function callable as Module:Function/Arity from
// BEAM and AtomVM (erpc:call, rpc:call and spawn_request reach it). A
// function raises an Erlang exception by returning an *Exception.
//
// # Group leader
//
// Every call the node makes has a group leader on the Go side: output of
// io:format and friends on the remote node is written to Config.Output
// and io:get_line reads Config.Input, as `erl -remsh` shows remote output
// locally. NewGroupLeader starts further group leaders (one per
// caller, for instance), and any Erlang process may be given one with
// group_leader/2: its pid is an ordinary pid.
//
// # Terms
//
// Values are terms of package vm/term: term.Atom, term.Int, term.Binary,
// term.Tuple, lists, maps, pids, references. Format prints a term as
// Erlang's ~p does and ParseTerm reads one written in Erlang syntax.
// A proper list has two Go representations: term.List, and term.Chars
// (its code points as UTF-8), which is what every string, and every
// list of code points, from another node decodes to. Read lists with
// the helpers of package term (term.AsList, term.ListLen,
// term.ListElems, term.CharList for text) rather than by asserting
// term.List.
//
// See docs/embedding.md in the repository for a walk-through.
package erlang
