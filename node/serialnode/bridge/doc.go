// Package bridge puts a TCP distribution node on a serial line, for
// tests and benchmarks: it accepts AtomVM serial_dist connections on a
// port and splices each, message by message, to a TCP connection to the
// node, so that the handshake is between the serial peer and the node
// itself:
//
//	avmsh ─ pty pair ─ [bridge] ─ TCP ─ erl
//
// Handshake messages cross as 16-bit frames on serial and 2-byte-length
// messages on TCP; after the challenge ack both sides switch to the data
// phase (32-bit frames, 4-byte lengths; empty packets are ticks). It
// lets a real OTP node, which cannot speak serial_dist without AtomVM's
// modules, answer over a serial line the way a board would.
package bridge
