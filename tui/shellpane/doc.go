// Package shellpane is the TUI's shell: the REPL of `avmsh shell` with
// avmsh's evaluator, targeting the node selected in the cluster view,
// with remote group-leader output in its scrollback.
package shellpane
