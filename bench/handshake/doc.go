// Command handshake-bench measures what unauthenticated distribution
// connections cost a node: it opens N connections that each send the
// start of a handshake and wait, and reads the resident memory (VmRSS) of
// the node's process before and after, for avmsh and for a real erl in
// the same run (issue 15, item 25).
//
// Two inputs are sent: "ff ff 4e" (a 65,535-byte length, then 'N') and
// "00 0f 4e" (a plausible 15-byte send_name that never completes). Three
// servers receive them: `avmsh serve` as shipped (its bounds on pending
// handshakes apply: 64 per source address), an avmsh node with the
// bounds raised above N (so every connection stays pending: the cost of
// one pending handshake), and `erl -sname`. Set-up times are raised to
// 60 s on all of them so nothing is timed out during the measurement.
//
//	go run ./bench/handshake [-n 2000] [-settle 1s]
package main
