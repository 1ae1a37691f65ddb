// Package nodeview is the TUI's node view: an overview of one node
// (memory breakdown, counts against limits, schedulers and run queue
// where the node reports them, and the leak watch's trends with their
// sparklines: memory and process count, on ESP32 boards the free heap
// figures, absent ones said absent) above one pane, read with the
// overview in one request while it is on screen (node/observe):
//
//   - the process table (p), like observer_cli's: totals and their
//     change over the refresh interval — reductions/s, memory delta,
//     queue growth, computed with observe.Rates as avmsh top does —
//     sortable by any column, filterable, with details and actions
//     (monitor, exit with confirmation) for the selected process;
//   - the module list (c): what code:all_loaded/0 answers on BEAM and
//     AtomVM alike, sorted by name, bounded and filterable, where l
//     reloads the selected module from a path typed with completion
//     (tui/pathprompt; the last path of each module is remembered for
//     the session);
//   - ETS tables (e), ports and sockets (i), distribution connections
//     with their buffers (d), scheduler utilisation over the interval
//     (u) and the application tree (a): BEAM nodes; a board says it does
//     not answer them, and nothing is asked of it.
//
// `:load FILE|DIR...` loads modules into the node shown; loads go
// through source.Code (node/codeload, what `avmsh load` uses) and their
// results, one per module with AtomVM's notes, stay on screen until esc.
package nodeview
