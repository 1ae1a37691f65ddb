// Package node owns avmsh's Erlang distribution node (its net_kernel):
// naming and cookies, the connection table with auto-connect on send and
// simultaneous-connect resolution, one reader and one writer goroutine per
// connection (senders write into the connection themselves when it is
// free: sendnow.go; the writer drains the queue and flushes bursts when
// they pause), ticks and dead-peer detection, nodeup/nodedown events,
// routing of the runtime's remote signals, dispatch of incoming control
// messages, spawn requests (answered noconnection when their connection
// drops before the reply: spawnwait.go), and the net_kernel process that answers
// BEAM's is_auth (net_adm:ping). Incoming connections are handshaken off
// the accept loop, within bounds per listener and per source address
// (accept.go), so unauthenticated clients cost little and block no one.
//
// Transports plug in through package carrier (TCP, TLS) and
// node/serialdist (serial); the handshake is package handshake; packets
// and control messages are package dist. AtomVM's quirks are
// ../shared/spec/atomvm-dist.md; OTP's erl_dist_protocol is the spec.
package node
