// Package app is the TUI's root model: the tab bar (Cluster, Node,
// Monitors, Devices, Shell), view switching (Tab, 1–5, Esc), the ':'
// command palette, the '/' filter, the '?' help, the status line and
// adaptive polling — one tick per refresh interval polls only the view
// on screen, and a poll never starts while the previous one of the same
// view is still running.
package app
