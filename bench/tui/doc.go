//go:build !windows

// Command tui measures the dashboard at scale: it starts N real BEAM
// nodes (default 50, loopback, one private OTP epmd), runs `avmsh` in a
// tmux terminal polling them at 1 Hz, and reports
//
//   - the time from the last node's start until every node shows "up"
//     with its OTP version (target ≤ 5 s),
//
//   - avmsh's CPU while it polls them (target ≤ 5 % of one core),
//
//   - avmsh's RSS idle (before the nodes appear) and while polling
//     (the median of one reading a second over the window).
//
// With -keys, the keys are sent (tmux send-keys) once every node is up
// and the CPU is measured with the view they lead to on screen (e.g.
// "Down Enter e": the first node's ETS pane). -bin runs prebuilt avmsh
// binaries instead of building ./cmd/avmsh; with several (comma
// separated), each runs its own dashboard on the same nodes at the same
// time, so that versions are compared in the same conditions.
//
//	go run ./bench/tui [-nodes 50] [-window 20s] [-keys 'Down Enter'] [-bin PATH[,PATH]]
package main
