// Package monitors is the TUI's monitors view: a live log of everything
// avmsh watches — nodeup/nodedown, DOWN messages with their reasons,
// link exits, messages to the watcher — with counts and a filter. New
// monitors are added from the command palette (:monitor PID|NAME@NODE)
// or from the node view.
package monitors
