// Package cluster is the TUI's cluster view: every known node (the local
// one, nodes registered in epmd on the configured hosts — shown as epmd
// lists them until a connection tells their full name, and marked
// unreachable when their name mode differs from the dashboard's —
// connected nodes, serial boards) with kind, transport, state, version,
// process count, memory, a sparkline of the leak watch's series (memory,
// or a board's free heap or process count), uptime and round-trip time;
// a node whose series grows steadily is flagged LEAK?. It implements
// view.View and adds the :connect and :disconnect commands.
package cluster
