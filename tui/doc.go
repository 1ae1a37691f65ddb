// Package tui is avmsh's terminal dashboard (bubbletea + lipgloss): one
// model per view under this directory — cluster, nodeview, monitors,
// devices, shellpane, fleetview — each implementing view.View, composed
// by app, fed by source (the only package that talks to the node, one
// interface per concern), styled by theme.
package tui
