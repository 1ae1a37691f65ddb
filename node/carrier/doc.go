// Package carrier owns the byte transports that Erlang distribution runs
// over. A Conn is a message-oriented duplex link with two phases: the
// handshake phase (TCP: 2-byte length prefix; serial: 16-bit frames) and
// the data phase (TCP: 4-byte length prefix; serial: 32-bit frames), where
// a zero-length packet is a tick. TCP and TLS live here; the serial
// carrier lives in node/serialdist and implements the same interfaces.
// A stream connection in its handshake reads exactly one bounded message
// at a time and has no buffers; listeners leave the TLS handshake to the
// caller (Handshaker), off the accept loop. Reads can be acknowledged at
// once (TCP_QUICKACK, QuickAcker) for peers that leave Nagle's algorithm
// on, as AtomVM does; our own sockets always set TCP_NODELAY.
package carrier
