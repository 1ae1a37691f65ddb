// Package tuicmd implements `avmsh tui` (also what `avmsh` alone runs on
// a terminal): the dashboard on an embedded local node.
package tuicmd
