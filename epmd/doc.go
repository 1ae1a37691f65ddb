// Package epmd owns the Erlang Port Mapper Daemon protocol: a client, a
// full epmd server compatible with OTP's, and Ensure, which starts that
// server inside the process when no epmd answers on the host.
//
// The wire protocol is the one in OTP's erl_dist_protocol documentation
// (epmd section) and erts/epmd/src/epmd_srv.c: every request is a
// 2-byte big-endian length followed by the request; ALIVE2_REQ keeps its
// connection open for the life of the registration, every other request
// gets one answer and the server closes the connection.
//
// # Client
//
// A Client talks to one epmd (host:port; see Address for how a host name
// and ERL_EPMD_PORT become an address):
//
//	c := epmd.NewClient("127.0.0.1:4369")
//	reg, err := c.Register(ctx, epmd.NodeInfo{Name: "avmsh", Port: 40123})
//	defer reg.Close() // unregisters
//	info, err := c.Lookup(ctx, "foo")   // *NotRegisteredError when absent
//	names, err := c.Names(ctx)
//
// Errors are typed: *OpError (with errors.Is(err, ErrNoEpmd) when nothing
// listens), *NotRegisteredError (ErrNotRegistered), *RegisterError
// (ErrNameTaken) and *ProtocolError for malformed answers.
//
// PortMapper adapts the client to the node package's PortMapper
// interface (register on the local epmd, look up on each peer's host).
//
// # Server
//
// Server is an epmd: ALIVE2 with OTP's creation rules (a 32-bit counter
// per name, ALIVE2_X_RESP to version-6 nodes), PORT_PLEASE2, NAMES, DUMP,
// KILL and STOP with OTP's -relaxed_command_check semantics, and
// unregistration when a node's connection closes. Requests are bounded
// (OTP's 3060-byte input buffer), slow clients are dropped after
// Config.PacketTimeout, and connections and registrations are capped.
// On Linux, lookups and NAMES (what every node asks) are answered on the
// accepting goroutine from raw non-blocking sockets with TCP_DEFER_ACCEPT,
// as OTP's select() loop does; everything else gets a goroutine and a
// net.Conn. Other systems use net.Listener for everything.
//
// Ensure is what a node calls at start-up: it returns nil when an epmd
// already answers on the port, otherwise it starts a Server in the
// process (and copes with two processes racing for the port).
package epmd
