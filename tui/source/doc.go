// Package source is where the TUI's data comes from: the Source
// interface every view polls through (node discovery, node overviews,
// process tables, actions, events, shell evaluation), its data types,
// and Live, the implementation backed by avmsh's distribution node.
//
// Every Source method takes a context; the TUI calls them from tea.Cmds
// with timeouts, so a slow or dead node never blocks the interface.
package source
