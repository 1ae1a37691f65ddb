// Package cluster is the TUI's cluster view: every known node (the local
// one, nodes registered in epmd on the configured hosts, connected
// nodes, serial boards) with kind, transport, state, version, process
// count, memory, uptime and round-trip time.
package cluster
