// Package source is where the TUI's data comes from: the interfaces
// every view polls through (node discovery, node overviews and sections,
// the leak watch, process actions, events, shell evaluation, code
// loading, the fleet), their data types, and Live, the implementation
// backed by avmsh's distribution node.
//
// Live reads nodes only through node/observe (what `avmsh top` uses),
// feeds every overview and process table it reads to a leak watch
// (node/observe/leak), parses the console text of the serial ports it
// has open for crash dumps (devices/crashlog) and records the boards it
// meets in the fleet store (devices/fleet).
//
// Every Source method takes a context; the TUI calls them from tea.Cmds
// with timeouts, so a slow or dead node never blocks the interface.
package source
