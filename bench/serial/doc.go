//go:build !windows

// Command serial measures distribution over a serial line limited to a
// real UART's byte rate: two avmsh nodes, each on one end of its own
// socat pty pair, joined by a relay (node/serialnode/relay) that paces
// each direction to 115200 baud 8N1 (11,520 bytes/s).
//
//	go run ./bench/serial [-baud 115200] [-messages 30] [-size 4096] [-rtts 20]
//
// It prints the payload throughput of a burst of 4 KiB messages as a
// fraction of the line rate (target ≥ 90%) and the round-trip time of a
// small rpc (erlang:node/0). There is no BEAM anchor: OTP has no serial
// distribution; the line rate itself is the bound.
package main
