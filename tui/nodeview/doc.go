// Package nodeview is the TUI's node view: an overview of one node
// (memory breakdown with a history sparkline, counts against limits,
// schedulers and run queue where the node reports them) above one of
// two tables, each polled only while it is on screen:
//
//   - the process table (p), like observer_cli's: sortable, filterable,
//     with details and actions (monitor, exit with confirmation) for the
//     selected process;
//   - the module list (c): what code:all_loaded/0 answers on BEAM and
//     AtomVM alike, sorted by name, bounded and filterable, where l
//     reloads the selected module from a path typed with completion
//     (tui/pathprompt; the last path of each module is remembered for
//     the session).
//
// `:load FILE|DIR...` loads modules into the node shown; loads go
// through source.Code (node/codeload, what `avmsh load` uses) and their
// results, one per module with AtomVM's notes, stay on screen until esc.
package nodeview
