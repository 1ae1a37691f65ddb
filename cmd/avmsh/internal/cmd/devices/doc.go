// Package devicescmd implements `avmsh devices`: the serial ports of this
// machine with their USB identity, board family and access, optionally
// probed for AtomVM nodes, as a table or JSON, once or following
// hot-plug events.
package devicescmd
