//go:build !windows

// Package relay copies bytes both ways between two serial devices,
// typically the far ends of two socat pty pairs, so that two nodes talk
// through a line the test or benchmark controls:
//
//	node A ─ pty pair 1 ─ [relay] ─ pty pair 2 ─ node B
//
// It can limit each direction to a UART's byte rate (Options.Rate), and,
// because it recognises serial_dist frames (either width, by CRC), inject
// faults at frame boundaries: bytes before frames (garbage, console
// text), a flipped bit inside a data frame, a cut line.
package relay
