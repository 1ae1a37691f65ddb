// Package nodeview is the TUI's node view: an overview of one node
// (memory breakdown with a history sparkline, counts against limits,
// schedulers and run queue where the node reports them) and a process
// table like observer_cli's — sortable, filterable, with details and
// actions (monitor, exit with confirmation) for the selected process.
package nodeview
